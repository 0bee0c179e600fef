/**
 * The typed weft client: every endpoint of the app's `WeftApi` as a method returning an
 * Effect (derived with `HttpApiClient`, so payloads are encoded and answers decoded by
 * the same schemas the server uses), plus what the HTTP contract cannot derive: `apply`
 * telling created / updated / unchanged apart, and `watch` as a `Stream` over the SSE
 * route.
 *
 * Every error answer arrives as its canonical typed error (`NotFound`,
 * `InvalidArgument`, …) decoded from the `{code, message}` body. (`HttpApiDecodeError`
 * is in the derived error types, but the server answers decode failures as
 * `InvalidArgument`, which is what the client yields.)
 *
 * @example
 * const program = Effect.gen(function*() {
 *   const weft = yield* WeftClient.WeftClient
 *   const workflow = yield* weft.workflows.get({ path: { id: "wfl-…" } })
 *   yield* weft.watch(id).pipe(Stream.runForEach(Console.log))
 * }).pipe(Effect.provide(WeftClient.layerFetch({ baseUrl: "http://127.0.0.1:8080" })))
 */
import { Sse } from "@effect/experimental"
import {
  FetchHttpClient,
  HttpApiClient,
  type HttpApiError,
  HttpClient,
  type HttpClientError,
  HttpClientRequest,
  type HttpClientResponse
} from "@effect/platform"
import type { Environment } from "@weft/environment"
import { type CanonicalError, Slug, Unavailable } from "@weft/resource"
import type { Workflow } from "@weft/workflow"
import type { WorkflowInstance } from "@weft/workflowinstance"
import { Config, Context, Effect, Layer, Option, type ParseResult, Predicate, Redacted, Stream } from "effect"
import { ClientApi } from "./internal/api.js"
import { failOnErrorStatus } from "./internal/errors.js"
import * as Feed from "./internal/feed.js"
import type * as FeedEvent from "./FeedEvent.js"
import * as WatchEvent from "./WatchEvent.js"

export interface Options {
  /** Where the server listens, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string | URL
  /** Sent as `Authorization: Bearer <token>` when given. */
  readonly token?: string | Redacted.Redacted<string> | undefined
}

/** Any failure of a call: the server's canonical error, a transport error, or an answer that does not decode. */
export type ClientError =
  | CanonicalError
  | HttpClientError.HttpClientError
  | ParseResult.ParseError
  | HttpApiError.HttpApiDecodeError

const makeApiClient = (httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | CanonicalError>) =>
  HttpApiClient.makeWith(ClientApi, { httpClient })

/** The client derived from `WeftApi`: `workflows`, `workflowInstances`, `workflowExecutions`, `environments` and `health`. */
export type ApiClient = Effect.Effect.Success<ReturnType<typeof makeApiClient>>

/** What `apply` did: `unchanged` when the resource's version did not move. */
export type ApplyOutcome = "created" | "updated" | "unchanged"

export interface Applied<A> {
  readonly resource: A
  readonly outcome: ApplyOutcome
  /** The version before, when the resource existed. */
  readonly previousVersion: number | undefined
}

export interface WeftClientShape extends ApiClient {
  /** The server's base URL, without a trailing slash. */
  readonly baseUrl: string
  /** The transport the typed methods use: base URL, token and error decoding applied. */
  readonly httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | CanonicalError>
  /**
   * `POST /v1/workflows/apply`, reading the workflow with the same (org, slug) first so
   * that `unchanged` can be told from `updated`.
   */
  readonly applyWorkflow: (input: Workflow.WorkflowInput) => Effect.Effect<Applied<Workflow.Workflow>, ClientError>
  /** `POST /v1/workflow-instances/apply`, like `applyWorkflow`. */
  readonly applyWorkflowInstance: (
    input: WorkflowInstance.WorkflowInstanceInput
  ) => Effect.Effect<Applied<WorkflowInstance.WorkflowInstance>, ClientError>
  /** `POST /v1/environments/apply`, like `applyWorkflow`. */
  readonly applyEnvironment: (
    input: Environment.EnvironmentInput
  ) => Effect.Effect<Applied<Environment.Environment>, ClientError>
  /**
   * `GET /v1/workflow-executions/:id/watch` as a stream: first the current state, then
   * every committed change; it ends after a terminal phase or a `Deleted` event. An
   * unknown id fails with `NotFound` before any event; a connection that closes before
   * the end fails with `Unavailable`.
   */
  readonly watch: (id: string) => Stream.Stream<WatchEvent.WatchEvent, ClientError>
  /**
   * `GET /v1/workflow-executions/watch`, the feed of every change, as a stream that does
   * not end: `Connected` when a connection opens, then each committed change of a
   * matching execution (`Execution`, `Deleted`, with its sequence number `seq`). A
   * dropped connection (a transport failure, the server closing it or answering 503) is
   * opened again with backoff and `Last-Event-ID`, so no change is missed or repeated;
   * when the server no longer retains the missed changes, `Reset` says so (list again).
   * It fails on an answer a retry would not change, such as `InvalidArgument` for a bad
   * filter, or when `retry` gives up.
   */
  readonly feed: (options?: FeedOptions) => Stream.Stream<FeedEvent.FeedEvent, ClientError>
}

export type FeedOptions = Feed.FeedOptions

export class WeftClient extends Context.Tag("@weft/client/WeftClient")<WeftClient, WeftClientShape>() {}

/** The ETag of an answer (`"7"`), from a call made with `withResponse: true`. */
export const etag = (response: HttpClientResponse.HttpClientResponse): string | undefined => response.headers["etag"]

/** The `If-Match` value that matches `resource` as it was read. */
export const ifMatch = (resource: { readonly metadata: { readonly version: number } }): string =>
  `"${resource.metadata.version}"`

const normalizeBaseUrl = (baseUrl: string | URL) => baseUrl.toString().replace(/\/+$/, "")

/** The transport: base URL and token on every request, error answers as canonical errors. */
export const transport = (
  httpClient: HttpClient.HttpClient,
  options: Options
): HttpClient.HttpClient.With<HttpClientError.HttpClientError | CanonicalError> => {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const token = options.token === undefined
    ? undefined
    : Redacted.isRedacted(options.token)
    ? options.token
    : Redacted.make(options.token)
  return httpClient.pipe(
    HttpClient.mapRequest((request) => {
      const withUrl = HttpClientRequest.prependUrl(request, baseUrl)
      return token === undefined ? withUrl : HttpClientRequest.bearerToken(withUrl, token)
    }),
    HttpClient.transformResponse(failOnErrorStatus)
  )
}

/** Builds the client over the `HttpClient` in context. */
export const make = (options: Options): Effect.Effect<WeftClientShape, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const httpClient = transport(yield* HttpClient.HttpClient, options)
    const api = yield* makeApiClient(httpClient)

    const applyWith = <I extends ApplyInput, A extends { readonly metadata: { readonly version: number } }>(
      group: ApplyGroup<I, A>
    ) =>
    (input: I): Effect.Effect<Applied<A>, ClientError> =>
      Effect.gen(function*() {
        const slug = input.metadata.slug ?? (input.metadata.name === undefined ? "" : Slug.fromName(input.metadata.name))
        const before = slug === ""
          ? Option.none<A>()
          : yield* group.getBySlug({ path: { slug }, urlParams: { org: input.metadata.org } }).pipe(
            Effect.map(Option.some),
            Effect.catchIf((error) => Predicate.isTagged(error, "NotFound"), () => Effect.succeedNone)
          )
        const [resource, response] = yield* group.apply({ payload: input, withResponse: true })
        const previousVersion = Option.getOrUndefined(Option.map(before, (r) => r.metadata.version))
        const outcome: ApplyOutcome = response.status === 201
          ? "created"
          : previousVersion === resource.metadata.version
          ? "unchanged"
          : "updated"
        return { resource, outcome, previousVersion }
      })

    const watch = (id: string): Stream.Stream<WatchEvent.WatchEvent, ClientError> =>
      Stream.suspend(() => {
        let finished = false
        const events = HttpClient.withScope(httpClient)
          .get(`/v1/workflow-executions/${encodeURIComponent(id)}/watch`, {
            headers: { accept: "text/event-stream" }
          })
          .pipe(
            Effect.map((response) => response.stream),
            Stream.unwrapScoped,
            Stream.decodeText(),
            Stream.pipeThroughChannel(Sse.makeChannel()),
            Stream.mapEffect(WatchEvent.fromSse),
            Stream.filter(Predicate.isNotUndefined),
            Stream.takeUntil(WatchEvent.isFinal),
            Stream.tap((event) => Effect.sync(() => void (finished = WatchEvent.isFinal(event))))
          )
        const end = Stream.suspend(() =>
          finished
            ? Stream.empty
            : Stream.fail(new Unavailable({ message: `watch of ${id} closed before the execution finished` }))
        )
        return Stream.concat(events, end)
      })

    return WeftClient.of({
      ...api,
      baseUrl: normalizeBaseUrl(options.baseUrl),
      httpClient,
      applyWorkflow: applyWith<Workflow.WorkflowInput, Workflow.Workflow>(api.workflows),
      applyWorkflowInstance: applyWith<WorkflowInstance.WorkflowInstanceInput, WorkflowInstance.WorkflowInstance>(
        api.workflowInstances
      ),
      applyEnvironment: applyWith<Environment.EnvironmentInput, Environment.Environment>(api.environments),
      watch,
      feed: Feed.make(httpClient)
    })
  })

interface ApplyInput {
  readonly metadata: { readonly name?: string | undefined; readonly slug?: string | undefined; readonly org?: string | undefined }
}

/** The two methods `apply` needs from a group. */
interface ApplyGroup<I, A> {
  readonly getBySlug: (request: {
    readonly path: { readonly slug: string }
    readonly urlParams: { readonly org?: string | undefined }
  }) => Effect.Effect<A, ClientError>
  readonly apply: (request: {
    readonly payload: I
    readonly withResponse: true
  }) => Effect.Effect<readonly [A, HttpClientResponse.HttpClientResponse], ClientError>
}

/** The client over the `HttpClient` in context. */
export const layer = (options: Options): Layer.Layer<WeftClient, never, HttpClient.HttpClient> =>
  Layer.effect(WeftClient, make(options))

/** The client over the platform's `fetch`. */
export const layerFetch = (options: Options): Layer.Layer<WeftClient> =>
  layer(options).pipe(Layer.provide(FetchHttpClient.layer))

/** `WEFT_SERVER` (default `http://127.0.0.1:8080`) and the optional `WEFT_TOKEN`. */
export const config: Config.Config<Options> = Config.all({
  baseUrl: Config.string("WEFT_SERVER").pipe(Config.withDefault("http://127.0.0.1:8080")),
  token: Config.option(Config.redacted("WEFT_TOKEN")).pipe(Config.map(Option.getOrUndefined))
})

/** `layerFetch` configured from the environment (see `config`). */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<WeftClient, import("effect/ConfigError").ConfigError> =>
  Layer.unwrapEffect(Effect.map(options, layerFetch))
