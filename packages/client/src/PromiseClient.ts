/**
 * The weft client for code that does not use Effect: the same calls as `WeftClient`,
 * returning Promises, and `watch` and `feed` as `AsyncIterable`s. A failed call rejects with the
 * same canonical error instances (`NotFound`, `InvalidArgument`, … from
 * `@weft/resource`, each with `code` and `message`).
 *
 * @example
 * const weft = createWeftClient({ baseUrl: "http://127.0.0.1:8080" })
 * const workflow = await weft.workflows.create({ metadata: { … }, spec: { … } })
 * for await (const event of weft.watch(executionId)) console.log(event.execution.status.phase)
 * await weft.close()
 */
import type { Environment, ListEnvironmentsParams } from "@weft/environment"
import type { ListWorkflowsParams, Workflow } from "@weft/workflow"
import type { ExecutionSignals, ListWorkflowExecutionsParams, WorkflowExecution } from "@weft/workflowexecution"
import type { ListWorkflowInstancesParams, WorkflowInstance } from "@weft/workflowinstance"
import { Cause, Effect, Exit, ManagedRuntime, Stream } from "effect"
import type * as FeedEvent from "./FeedEvent.js"
import type * as WatchEvent from "./WatchEvent.js"
import * as WeftClient from "./WeftClient.js"

/** Conditional writes: apply the change only at this ETag (e.g. `"3"`). */
export interface WriteOptions {
  readonly ifMatch?: string | undefined
}

type Page<A> = { readonly entries: ReadonlyArray<A>; readonly nextPageToken?: string | undefined }
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>

export interface KindClient<A, Input, ListParams> {
  readonly create: (body: Input) => Promise<A>
  readonly list: (params?: Optional<ListParams, Extract<"pageSize", keyof ListParams>>) => Promise<Page<A>>
  readonly get: (id: string) => Promise<A>
  readonly update: (id: string, body: Input, options?: WriteOptions) => Promise<A>
  readonly delete: (id: string, options?: WriteOptions) => Promise<A>
}

export interface ApplyingKindClient<A, Input, ListParams> extends KindClient<A, Input, ListParams> {
  /** Create, or update the one with the same (org, slug); tells `unchanged` apart. */
  readonly apply: (body: Input) => Promise<WeftClient.Applied<A>>
  readonly getBySlug: (slug: string, options?: { readonly org?: string | undefined }) => Promise<A>
}

export interface WeftPromiseClient {
  readonly baseUrl: string
  readonly health: () => Promise<{ readonly status: "ok" }>
  readonly workflows: ApplyingKindClient<Workflow.Workflow, Workflow.WorkflowInput, typeof ListWorkflowsParams.Type>
  readonly workflowInstances: ApplyingKindClient<
    WorkflowInstance.WorkflowInstance,
    WorkflowInstance.WorkflowInstanceInput,
    typeof ListWorkflowInstancesParams.Type
  >
  readonly workflowExecutions:
    & Omit<
      KindClient<WorkflowExecution.WorkflowExecution, WorkflowExecution.WorkflowExecutionInput, typeof ListWorkflowExecutionsParams.Type>,
      "create"
    >
    & {
      /**
       * Starts a run. With `idempotencyKey`, a retry of the same request within 24 h answers
       * the run the first one started instead of starting another.
       */
      readonly create: (
        body: WorkflowExecution.WorkflowExecutionInput,
        options?: { readonly idempotencyKey?: string | undefined }
      ) => Promise<WorkflowExecution.WorkflowExecution>
      /** A runner reports progress: a partial status merged into the execution. */
      readonly updateStatus: (
        id: string,
        status: WorkflowExecution.StatusUpdate,
        options?: WriteOptions
      ) => Promise<WorkflowExecution.WorkflowExecution>
      /** Stops a run: phase CANCELLED; rejects with `FailedPrecondition` when it already ended. */
      readonly cancel: (id: string) => Promise<WorkflowExecution.WorkflowExecution>
      /**
       * Sends a signal `{id, data}` to a run; it is kept until a LISTEN takes it.
       * Rejects with `FailedPrecondition` when the run already ended.
       */
      readonly signal: (id: string, signal: ExecutionSignals.SignalInput) => Promise<ExecutionSignals.SignalAccepted>
      readonly watch: (id: string) => AsyncIterable<WatchEvent.WatchEvent>
      /**
       * The feed of every change (see `WeftClient.feed`): it does not end by itself; leave
       * it with `break` (or `return`), which closes its connection.
       */
      readonly feed: (options?: WeftClient.FeedOptions) => AsyncIterable<FeedEvent.FeedEvent>
    }
  /** Environments; secret values are write-only (answers show `isSecret: true` without them). */
  readonly environments: ApplyingKindClient<
    Environment.Environment,
    Environment.EnvironmentInput,
    typeof ListEnvironmentsParams.Type
  >
  /** Same as `workflowExecutions.watch`. */
  readonly watch: (id: string) => AsyncIterable<WatchEvent.WatchEvent>
  /** Same as `workflowExecutions.feed`. */
  readonly feed: (options?: WeftClient.FeedOptions) => AsyncIterable<FeedEvent.FeedEvent>
  /** Releases the client's resources (open watches are interrupted). */
  readonly close: () => Promise<void>
}

/** A Promise client over `fetch`. */
export const createWeftClient = (options: WeftClient.Options): WeftPromiseClient => {
  const runtime = ManagedRuntime.make(WeftClient.layerFetch(options))
  const client = runtime.runSync(WeftClient.WeftClient)

  /** Rejects with the error itself (e.g. a `NotFound`), not a wrapper. */
  const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
    runtime.runPromiseExit(effect).then((exit) =>
      Exit.isSuccess(exit) ? exit.value : Promise.reject(Cause.squash(exit.cause))
    )
  const headers = (options?: WriteOptions) => ({ "if-match": options?.ifMatch })
  const page = { pageSize: 50 }

  const rt = runtime.runSync(Effect.runtime<never>())
  const watch = (id: string) => Stream.toAsyncIterableRuntime(client.watch(id), rt)
  const feed = (options?: WeftClient.FeedOptions) => Stream.toAsyncIterableRuntime(client.feed(options), rt)

  return {
    baseUrl: client.baseUrl,
    health: () => run(client.health()),
    workflows: {
      create: (body) => run(client.workflows.create({ payload: body })),
      apply: (body) => run(client.applyWorkflow(body)),
      list: (params) => run(client.workflows.list({ urlParams: { ...page, ...params } })),
      get: (id) => run(client.workflows.get({ path: { id } })),
      getBySlug: (slug, options) => run(client.workflows.getBySlug({ path: { slug }, urlParams: { org: options?.org } })),
      update: (id, body, options) =>
        run(client.workflows.update({ path: { id }, payload: body, headers: headers(options) })),
      delete: (id, options) => run(client.workflows.delete({ path: { id }, headers: headers(options) }))
    },
    workflowInstances: {
      create: (body) => run(client.workflowInstances.create({ payload: body })),
      apply: (body) => run(client.applyWorkflowInstance(body)),
      list: (params) => run(client.workflowInstances.list({ urlParams: { ...page, ...params } })),
      get: (id) => run(client.workflowInstances.get({ path: { id } })),
      getBySlug: (slug, options) =>
        run(client.workflowInstances.getBySlug({ path: { slug }, urlParams: { org: options?.org } })),
      update: (id, body, options) =>
        run(client.workflowInstances.update({ path: { id }, payload: body, headers: headers(options) })),
      delete: (id, options) => run(client.workflowInstances.delete({ path: { id }, headers: headers(options) }))
    },
    workflowExecutions: {
      create: (body, options) =>
        run(client.workflowExecutions.create({ payload: body, headers: { "idempotency-key": options?.idempotencyKey } })),
      list: (params) => run(client.workflowExecutions.list({ urlParams: { ...page, ...params } })),
      get: (id) => run(client.workflowExecutions.get({ path: { id } })),
      update: (id, body, options) =>
        run(client.workflowExecutions.update({ path: { id }, payload: body, headers: headers(options) })),
      updateStatus: (id, status, options) =>
        run(client.workflowExecutions.updateStatus({ path: { id }, payload: status, headers: headers(options) })),
      cancel: (id) => run(client.workflowExecutions.cancel({ path: { id } })),
      signal: (id, signal) => run(client.workflowExecutions.signal({ path: { id }, payload: signal })),
      delete: (id, options) => run(client.workflowExecutions.delete({ path: { id }, headers: headers(options) })),
      watch,
      feed
    },
    environments: {
      create: (body) => run(client.environments.create({ payload: body })),
      apply: (body) => run(client.applyEnvironment(body)),
      list: (params) => run(client.environments.list({ urlParams: { ...page, ...params } })),
      get: (id) => run(client.environments.get({ path: { id } })),
      getBySlug: (slug, options) => run(client.environments.getBySlug({ path: { slug }, urlParams: { org: options?.org } })),
      update: (id, body, options) =>
        run(client.environments.update({ path: { id }, payload: body, headers: headers(options) })),
      delete: (id, options) => run(client.environments.delete({ path: { id }, headers: headers(options) }))
    },
    watch,
    feed,
    close: () => runtime.dispose()
  }
}
