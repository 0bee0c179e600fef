/** JSON, indented and coloured by token; text nodes only (no HTML is ever injected). */
import type { JSX } from "preact"

const token = /("(?:\\u[0-9a-fA-F]{4}|\\[^u]|[^\\"])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g

export const highlight = (text: string): Array<string | JSX.Element> => {
  const out: Array<string | JSX.Element> = []
  let last = 0
  for (const match of text.matchAll(token)) {
    const index = match.index ?? 0
    if (index > last) out.push(text.slice(last, index))
    const [whole, string, colon, literal, number] = match
    const kind = string !== undefined ? (colon !== undefined ? "key" : "string") : literal !== undefined ? "literal" : number !== undefined ? "number" : ""
    out.push(<span class={`j-${kind}`}>{string ?? whole}</span>)
    if (colon !== undefined) out.push(colon)
    last = index + whole.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

export const Json = ({ value, label }: { readonly value: unknown; readonly label?: string }) => {
  if (value === undefined) return <p class="muted">none</p>
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2)
  return (
    <pre class="json" tabIndex={0} aria-label={label}>
      {typeof value === "string" ? text : highlight(text)}
    </pre>
  )
}
