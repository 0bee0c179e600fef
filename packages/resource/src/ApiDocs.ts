/**
 * The documentation of an endpoint in `/openapi.json`: its summary, its description and
 * named request examples (shown, and used to fill "Try it out", by the `/docs` page).
 *
 * OpenAPI transforms compose here: `transform` runs after any transform the endpoint
 * already had, so access declarations (`Access`) and examples can both shape the
 * operation.
 */
import { type HttpApiEndpoint, OpenApi } from "@effect/platform"
import { Context } from "effect"

type Operation = Record<string, any>

/** Adds an OpenAPI transform of the endpoint's operation, after the ones it has. */
export const transform = (f: (operation: Operation) => Operation) =>
<E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E): E => {
  const self = endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
  const previous = Context.getOption(self.annotations, OpenApi.Transform)
  const composed = previous._tag === "Some" ? (operation: Operation) => f(previous.value(operation)) : f
  return self.annotate(OpenApi.Transform, composed) as unknown as E
}

export interface Example {
  readonly summary: string
  readonly value: unknown
}

export interface Docs {
  /** One line: what the operation does. */
  readonly summary: string
  /** The rules a caller needs: answers, errors, side effects. */
  readonly description: string
  /** Named request bodies (JSON). */
  readonly examples?: Readonly<Record<string, Example>> | undefined
}

/** The request body examples of an operation, keyed by name, for JSON bodies. */
export const requestExamples = (operation: Operation): Readonly<Record<string, Example>> =>
  operation.requestBody?.content?.["application/json"]?.examples ?? {}

const addExamples = (examples: Readonly<Record<string, Example>>) => (operation: Operation): Operation => {
  const content = operation.requestBody?.content?.["application/json"]
  if (content === undefined) return operation
  return {
    ...operation,
    requestBody: {
      ...operation.requestBody,
      content: {
        ...operation.requestBody.content,
        "application/json": { ...content, examples: { ...content.examples, ...examples } }
      }
    }
  }
}

/** Documents an endpoint: summary, description and request examples. */
export const document = (docs: Docs) => <E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E): E => {
  const annotated = (endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps)
    .annotate(OpenApi.Summary, docs.summary)
    .annotate(OpenApi.Description, docs.description) as unknown as E
  return docs.examples === undefined ? annotated : transform(addExamples(docs.examples))(annotated)
}
