/** Span trees as tests see them: a span's id and its parent's. */
export interface SpanLink {
  readonly name: string
  readonly spanId: string
  readonly parentId: string | undefined
}

/** The names of a span's ancestors among `spans`, innermost first. */
export const ancestors = (spans: ReadonlyArray<SpanLink>, span: SpanLink): Array<string> => {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const names: Array<string> = []
  let parent = span.parentId === undefined ? undefined : byId.get(span.parentId)
  while (parent !== undefined) {
    names.push(parent.name)
    parent = parent.parentId === undefined ? undefined : byId.get(parent.parentId)
  }
  return names
}
