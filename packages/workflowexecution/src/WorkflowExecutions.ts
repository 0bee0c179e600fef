/**
 * The WorkflowExecutions service: the execution controller. Create, update, get and
 * delete are named pipelines run in one transaction; status updates take the direct
 * path (one short transaction: load → merge → transition check → persist); every
 * committed change is published to watchers after commit.
 */
import { SqlClient } from "@effect/sql"
import { Operations, Pipeline, Steps } from "@weft/pipeline"
import {
  Access,
  AlreadyExists,
  FailedPrecondition,
  Metadata,
  NotFound,
  ResourceKind,
  ResourceStore,
  SecretBox,
  SecretValues,
  ServiceContext,
  TestDatabase,
  Transaction
} from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Duration, Effect, Layer, Option, Schedule, Stream } from "effect"
import { type ExecutionEvent, ExecutionEvents, layer as ExecutionEventsLayer } from "./ExecutionEvents.js"
import { ExecutionRunner, layerNoop } from "./ExecutionRunner.js"
import * as Signals from "./ExecutionSignals.js"
import * as Changes from "./internal/changes.js"
import * as Idempotency from "./internal/idempotency.js"
import * as Retention from "./internal/retention.js"
import * as Status from "./internal/status.js"
import {
  CreateDefaultInstanceIfNeeded,
  mergeSpec,
  RequireRuntimeValues,
  ResolveName,
  SealRuntimeEnv,
  SetInitialPhase,
  ValidateOwnerScope,
  ValidateWorkflowOrInstance
} from "./internal/steps.js"
import {
  type ExecutionPhase,
  isTerminal,
  Kind,
  present,
  StatusUpdate,
  table,
  type WorkflowExecution,
  WorkflowExecutionInput
} from "./WorkflowExecution.js"
import { WorkflowExecutionMigrations } from "./WorkflowExecutionMigrations.js"

const build = (request: WorkflowExecutionInput, parts: Steps.NewStateParts): WorkflowExecution => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "WorkflowExecution",
  metadata: parts.metadata,
  spec: request.spec,
  status: { audit: parts.audit }
})

/**
 * The sequence number each recorded change got, keyed by the state the pipeline hands
 * its after-commit hook (the same object), so the hook publishes it with the change.
 */
const recorded = new WeakMap<WorkflowExecution, number>()

const recordIn = (kind: Changes.ChangeKind, execution: WorkflowExecution) =>
  Effect.flatMap(Changes.FeedRetention, (retention) =>
    Effect.map(Changes.record(kind, execution, retention), (seq) => {
      recorded.set(execution, seq)
      return {}
    }))

/** Records the change in the feed's log, in the change's transaction (none for an unchanged update). */
const RecordChange = Pipeline.step(
  "RecordChange",
  (ctx: { readonly state: WorkflowExecution; readonly unchanged?: boolean | undefined }) =>
    ctx.unchanged === true ? Effect.succeed({}) : recordIn("Updated", ctx.state)
)

const RecordDeletion = Pipeline.step(
  "RecordChange",
  (ctx: { readonly deleted: WorkflowExecution }) => recordIn("Deleted", ctx.deleted)
)

/** The signals kept for the deleted execution go with it. */
const DeleteSignals = Pipeline.step(
  "DeleteSignals",
  (ctx: { readonly existing: WorkflowExecution }) => Effect.as(Signals.forget(ctx.existing.metadata.id), {})
)

/** So do the idempotency keys that started it: the same key may start a new run. */
const ForgetKeys = Pipeline.step(
  "ForgetKeys",
  (ctx: { readonly existing: WorkflowExecution }) => Effect.as(Idempotency.forget([ctx.existing.metadata.id]), {})
)

export const decodePipeline = Operations.decodePipeline("WorkflowExecutions", WorkflowExecutionInput)

export const createPipeline = Pipeline.forRequest<Operations.Request<WorkflowExecutionInput>>(
  "WorkflowExecutions.create"
).pipe(
  Pipeline.andThen(ValidateOwnerScope),
  Pipeline.andThen(ValidateWorkflowOrInstance),
  Pipeline.andThen(CreateDefaultInstanceIfNeeded),
  Pipeline.andThen(ResolveName),
  Pipeline.andThen(Steps.ResolveSlug()),
  Pipeline.andThen(Steps.CheckDuplicate(table)),
  Pipeline.andThen(SealRuntimeEnv),
  Pipeline.andThen(RequireRuntimeValues),
  Pipeline.andThen(Steps.BuildNewState(table, build)),
  Pipeline.andThen(SetInitialPhase),
  Pipeline.andThen(Steps.Persist(table)),
  Pipeline.andThen(RecordChange)
)

export const updatePipeline = Pipeline.forRequest<Steps.ByIdInput & Operations.Request<WorkflowExecutionInput>>(
  "WorkflowExecutions.update"
).pipe(
  Pipeline.andThen(Steps.LoadExisting(table)),
  Pipeline.andThen(SealRuntimeEnv),
  Pipeline.andThen(RequireRuntimeValues),
  Pipeline.andThen(Steps.BuildUpdateState(table, mergeSpec, { name: "optional" })),
  Pipeline.andThen(Steps.Persist(table)),
  Pipeline.andThen(RecordChange)
)

export const getPipeline = Operations.getPipeline("WorkflowExecutions", table)

export const getBySlugPipeline = Operations.getBySlugPipeline("WorkflowExecutions", table)

export const deletePipeline = Pipeline.make<Steps.ByIdInput>("WorkflowExecutions.delete").pipe(
  Pipeline.andThen(Steps.LoadExistingForDelete(table)),
  Pipeline.andThen(DeleteSignals),
  Pipeline.andThen(ForgetKeys),
  Pipeline.andThen(Steps.DeleteResource(table)),
  Pipeline.andThen(RecordDeletion)
)

export interface ListWorkflowExecutions extends ResourceStore.Selection {
  readonly pageSize: number
  readonly pageToken?: string | undefined
  readonly workflowInstanceId?: string | undefined
  readonly workflowId?: string | undefined
  readonly phase?: ReadonlyArray<ExecutionPhase> | undefined
  readonly org?: string | undefined
}

/** Which executions' changes a feed delivers: the list's filters, `phase` matching the phase after the change. */
export interface FeedFilter extends ResourceStore.Selection {
  readonly workflowInstanceId?: string | undefined
  readonly workflowId?: string | undefined
  readonly phase?: ReadonlyArray<ExecutionPhase> | undefined
  readonly org?: string | undefined
}

/**
 * What a feed delivers: a committed change with its sequence number, or `Reset` (the
 * changes after the client's id are no longer retained: list again; `seq` is the id to
 * resume from after that list).
 */
export type FeedItem =
  | { readonly _tag: "Change"; readonly seq: number; readonly event: ExecutionEvent }
  | { readonly _tag: "Reset"; readonly seq: number }

export const matchesFeed = (filter: FeedFilter, execution: WorkflowExecution): boolean =>
  (filter.workflowId === undefined || execution.spec.workflowId === filter.workflowId) &&
  (filter.workflowInstanceId === undefined || execution.spec.workflowInstanceId === filter.workflowInstanceId) &&
  (filter.org === undefined || execution.metadata.org === filter.org) &&
  (filter.phase === undefined || filter.phase.length === 0 ||
    (execution.status.phase !== undefined && filter.phase.includes(execution.status.phase))) &&
  ResourceStore.isSelected(filter, execution)

/** `WorkflowExecutions.decodeStatus`: an untyped status update, for callers holding JSON. */
export const decodeStatusPipeline = Pipeline.make<{ readonly body: unknown }>("WorkflowExecutions.decodeStatus").pipe(
  Pipeline.andThen(Steps.ValidateSchema(StatusUpdate))
)

/** A watch event as delivered to a watcher. */
export type WatchEvent = ExecutionEvent

/** What an idempotent start answers: the execution, and whether an earlier request had started it. */
export interface Started {
  readonly execution: WorkflowExecution
  readonly replayed: boolean
}

/** An execution with the values of its `runtimeEnv` in plain text; `secrets` are the secret ones. */
export interface ResolvedExecution {
  readonly execution: WorkflowExecution
  readonly values: SecretValues.Revealed["values"]
  readonly secrets: SecretValues.Revealed["secrets"]
}

export class WorkflowExecutions extends Effect.Service<WorkflowExecutions>()(
  "@weft/workflowexecution/WorkflowExecutions",
  {
    effect: Effect.gen(function*() {
      const provide = yield* ServiceContext.capture(SqlClient.SqlClient, ResourceStore.ResourceStore, SecretBox.SecretBox)
      const store = yield* ResourceStore.ResourceStore
      const events = yield* ExecutionEvents
      const runner = yield* ExecutionRunner
      const retention = yield* Changes.FeedRetention

      // Watchers and feeds are told of the answered form: secrets masked.
      const publishUpdated = (execution: WorkflowExecution, seq?: number) =>
        events.publish({ _tag: "Updated", execution: present(execution), seq })

      /** Persists `next` and records the change, in the caller's transaction. */
      const persistRecorded = (next: WorkflowExecution, previous: WorkflowExecution) =>
        Effect.gen(function*() {
          const updated = yield* store.update(table, next, previous).pipe(Effect.catchTag("AlreadyExists", Effect.die))
          const seq = yield* Changes.record("Updated", updated, retention)
          return { updated, seq }
        })

      // What the pipelines answer is the stored form (secrets sealed); the service answers it masked.
      const sealed = Operations.make({
        decode: decodePipeline,
        create: createPipeline,
        update: updatePipeline,
        get: getPipeline,
        getBySlug: getBySlugPipeline,
        delete: deletePipeline
      }, provide, {
        // Handed over once stored: the runner can read what it was given (masked, as any
        // reader gets it; `resolve` opens the secrets).
        created: (execution) =>
          Effect.zipRight(
            publishUpdated(execution, recorded.get(execution)),
            runner.start(present(execution)).pipe(
              Effect.withSpan("ExecutionRunner.start", {
                attributes: { id: execution.metadata.id },
                captureStackTrace: false
              })
            )
          ),
        updated: (execution) => publishUpdated(execution, recorded.get(execution)),
        deleted: (execution) => events.publish({ _tag: "Deleted", execution: present(execution), seq: recorded.get(execution) })
      })
      const { create, createUnknown, decode, delete: delete_, get, getBySlug, update, updateUnknown } = Operations
        .present(sealed, present)

      /**
       * Starts an execution once per (org of the request, `key`) within 24 h: the first
       * request creates it and records the key in the same transaction; a later one with an
       * equal request (as JSON values, whatever the key order) answers that execution,
       * `replayed`, and starts nothing; a different request is ALREADY_EXISTS. A key whose
       * execution was deleted since is free again. Concurrent starts with one key make one
       * execution.
       */
      const start = (request: WorkflowExecutionInput, key: string) =>
        Effect.gen(function*() {
          const org = request.metadata.org ?? ""
          const hash = Idempotency.requestHash(request)
          const attempt = Transaction.run(
            Effect.gen(function*() {
              // Keys of an org the caller does not act in are not its to see: the start is refused as any would be.
              if (!Access.inScope(yield* Access.currentCaller, org === "" ? undefined : org)) {
                return { execution: yield* sealed.create(request), replayed: false }
              }
              const millis = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
              const since = Metadata.timestamp(millis - Duration.toMillis(Idempotency.keyLifetime))
              const stored = yield* Idempotency.find(org, key, since)
              if (Option.isSome(stored)) {
                if (stored.value.requestHash !== hash) {
                  return yield* new AlreadyExists({
                    message: `Idempotency-Key ${JSON.stringify(key)} was used${org === "" ? "" : ` in org ${org}`} ` +
                      `by a different request (it started ${stored.value.executionId})`
                  })
                }
                const execution = yield* store.get(table, stored.value.executionId)
                if (Option.isSome(execution)) return { execution: execution.value, replayed: true }
              }
              const execution = yield* sealed.create(request)
              yield* Idempotency.record(org, key, hash, execution.metadata.id, Metadata.timestamp(millis), since)
              return { execution, replayed: false }
            })
          )
          // A concurrent start recorded the key first (its transaction rolled this one back): replay it.
          return yield* Effect.retry(attempt, {
            while: (error) => error._tag === "KeyTaken",
            schedule: Schedule.recurs(5)
          }).pipe(
            Effect.catchTag("KeyTaken", Effect.die),
            Effect.map(({ execution, replayed }): Started => ({ execution: present(execution), replayed }))
          )
        }).pipe(
          provide,
          Effect.withSpan("WorkflowExecutions.start", { captureStackTrace: false })
        )

      /** One attempt: load → merge → transition check → persist, in one transaction. */
      const updateStatusOnce = (id: string, update: StatusUpdate, ifMatch: string | undefined) =>
        Effect.gen(function*() {
          const found = yield* store.getForUpdate(table, id)
          if (Option.isNone(found)) return yield* NotFound.of(Kind.kind, id)
          yield* Steps.checkIfMatch(Kind.kind, id, ifMatch, found.value.metadata.version)
          const now = Metadata.timestamp(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
          const next = yield* Status.merge(found.value, update, now, Access.actorOf(yield* Access.currentCaller))
          return yield* persistRecorded(next, found.value)
        }).pipe(
          (attempt) => Transaction.run(attempt, ({ seq, updated }) => publishUpdated(updated, seq)),
          Effect.map(({ updated }) => present(updated))
        )

      /**
       * The runner's status update (the direct path). Concurrent updates of one
       * execution are serialised: a write that lost a race (possible with several
       * writers on one database) is retried on the new state, unless the caller pinned
       * a version with If-Match.
       */
      const updateStatus = (id: string, update: StatusUpdate, ifMatch?: string) =>
        Effect.gen(function*() {
          const attempt = updateStatusOnce(id, update, ifMatch)
          const updated = ifMatch === undefined
            ? yield* Effect.retry(attempt, {
              while: (error) => error._tag === "Aborted",
              schedule: Schedule.recurs(20)
            })
            : yield* attempt
          return updated
        }).pipe(
          provide,
          Effect.withSpan("WorkflowExecutions.updateStatus", { attributes: { id }, captureStackTrace: false })
        )

      /**
       * Loads a run under its row lock for the rest of the transaction: 404 when there is
       * none, 409 (`refusal` says what is refused) when it has already ended.
       */
      const loadActive = (id: string, refusal: string) =>
        Effect.gen(function*() {
          const found = yield* store.getForUpdate(table, id)
          if (Option.isNone(found)) return yield* NotFound.of(Kind.kind, id)
          const execution = found.value
          if (isTerminal(execution.status.phase)) {
            return yield* new FailedPrecondition({
              message: `WorkflowExecution ${id} is ${execution.status.phase}, a terminal phase: ${refusal}`
            })
          }
          return execution
        })

      /**
       * Cancels a run (`POST …/cancel`): in one transaction the execution is loaded, a
       * terminal one refused (409), and the CANCELLED status written (running tasks
       * FAILED, pending ones SKIPPED); after commit the runner is told to stop it.
       */
      const cancel = (id: string) =>
        Effect.gen(function*() {
          const updated = yield* Transaction.run(
            Effect.gen(function*() {
              const execution = yield* loadActive(id, "it cannot be cancelled")
              const now = Metadata.timestamp(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
              const actor = Access.actorOf(yield* Access.currentCaller)
              const next = yield* Status.merge(execution, Status.cancelled(execution.status, now), now, actor).pipe(
                Effect.catchTag("InvalidArgument", Effect.die) // the update names a phase
              )
              return yield* persistRecorded(next, execution)
            }),
            ({ seq, updated }) => publishUpdated(updated, seq)
          ).pipe(
            Effect.map(({ updated }) => updated),
            Effect.catchTag("Aborted", Effect.die) // written in the transaction that read it
          )
          const answered = present(updated)
          if (runner.cancel !== undefined) yield* runner.cancel(answered)
          return answered
        }).pipe(
          provide,
          Effect.withSpan("WorkflowExecutions.cancel", { attributes: { id }, captureStackTrace: false })
        )

      /**
       * Sends a signal to a run (`POST …/signals`): in one transaction the execution is
       * loaded, a terminal one refused (409), and the signal stored; after commit the
       * runner is told, so that a LISTEN waiting for it takes it. A signal no LISTEN
       * waits for yet is kept until one does.
       */
      const signal = (id: string, input: Signals.SignalInput) =>
        Transaction.run(
          Effect.gen(function*() {
            const execution = yield* loadActive(id, "it takes no signals")
            const now = Metadata.timestamp(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
            yield* Signals.keep(id, input, now)
            return execution
          }),
          (execution) => runner.signalled?.(execution) ?? Effect.void
        ).pipe(
          Effect.as<Signals.SignalAccepted>({ accepted: true }),
          provide,
          Effect.withSpan("WorkflowExecutions.signal", { attributes: { id, signal: input.id }, captureStackTrace: false })
        )

      /**
       * Retention's batch: deletes up to `limit` executions that ended before `before`
       * (oldest first) in one short transaction, each through the delete pipeline (its
       * labels, signals, idempotency keys and change-log row go with it; watchers and
       * feeds get `Deleted` after commit), with what the runner keeps of their runs. Answers what it deleted. On PostgreSQL concurrent batches
       * (several replicas) take different executions.
       */
      const deleteEnded = (before: string, limit: number) =>
        Transaction.run(
          Effect.gen(function*() {
            const ids = yield* Retention.endedBefore(before, limit)
            // Locked by this transaction (or SQLite's one writer): each one is still there.
            const deleted = yield* Effect.forEach(ids, (id) => Effect.orDie(delete_(id)))
            if (deleted.length > 0 && runner.forget !== undefined) yield* runner.forget(deleted)
            return deleted
          })
        ).pipe(
          provide,
          Effect.withSpan("WorkflowExecutions.deleteEnded", { attributes: { limit }, captureStackTrace: false })
        )

      /** Deletes up to `limit` idempotency keys recorded before `before` (expired), in one transaction; answers how many. */
      const sweepKeys = (before: string, limit: number) =>
        Transaction.run(Idempotency.sweep(before, limit)).pipe(
          provide,
          Effect.withSpan("WorkflowExecutions.sweepKeys", { attributes: { limit }, captureStackTrace: false })
        )

      const list = (query: ListWorkflowExecutions) =>
        store.list(table, {
          ...ResourceStore.selection(query),
          where: {
            workflow_instance_id: query.workflowInstanceId,
            workflow_id: query.workflowId,
            phase: query.phase,
            org: query.org
          },
          pageSize: query.pageSize,
          pageToken: query.pageToken
        }).pipe(
          Effect.map((page) => ({ ...page, entries: page.entries.map(present) })),
          Effect.withSpan("WorkflowExecutions.list", { captureStackTrace: false })
        )

      /**
       * The execution `id` names (masked) with the values of its `runtimeEnv` opened: the
       * one way to its secrets, for the run's `$env`.
       */
      const resolve = (id: string) =>
        provide(Effect.gen(function*() {
          const found = yield* store.get(table, id)
          if (Option.isNone(found)) return yield* NotFound.of(Kind.kind, id)
          const revealed = yield* SecretValues.reveal(found.value.spec.runtimeEnv)
          return { execution: present(found.value), ...revealed } satisfies ResolvedExecution
        })).pipe(Effect.withSpan("WorkflowExecutions.resolve", { attributes: { id }, captureStackTrace: false }))

      /**
       * The live feed of one execution as callbacks: `emit` is called synchronously with
       * its current state, then every committed change in order (versions consecutive),
       * `last` set on the final event (a terminal phase, or `Deleted`). Listens before it
       * reads the snapshot and drops events not newer than it, so nothing is missed or
       * doubled. Fails with NOT_FOUND before any event when the execution does not
       * exist; answers the function that stops following early. This is the form a
       * fan-out to many watchers uses: each delivery is one function call.
       */
      const follow = (
        id: string,
        emit: (event: WatchEvent, last: boolean) => void,
        known?: WorkflowExecution
      ): Effect.Effect<() => void, NotFound> =>
        Effect.gen(function*() {
          const found = known ?? (yield* get(id))
          let ready = false
          let ended = false
          let after = 0
          const pending: Array<WatchEvent> = []
          const deliver = (event: WatchEvent) => {
            if (ended) return
            if (event._tag === "Updated" && event.execution.metadata.version <= after) return
            const last = event._tag === "Deleted" || isTerminal(event.execution.status.phase)
            if (event._tag === "Updated") after = event.execution.metadata.version
            if (last) {
              ended = true
              stop()
            }
            emit(event, last)
          }
          const stop = events.listen(id, (event) => ready ? deliver(event) : void pending.push(event))
          const snapshot = yield* store.get(table, id).pipe(Effect.onInterrupt(() => Effect.sync(stop)))
          ready = true
          // Deleted since the existence check: say so, with the last state seen.
          deliver(
            Option.isSome(snapshot)
              ? { _tag: "Updated", execution: present(snapshot.value) }
              : { _tag: "Deleted", execution: found }
          )
          for (const event of pending) deliver(event)
          return stop
        })

      /**
       * The same feed as an Effect `Stream` for in-process users: the current state, then
       * every committed change, ending after a terminal phase or with `Deleted`. Fails
       * with NOT_FOUND before the stream when the execution does not exist.
       */
      const watch = (id: string): Effect.Effect<Stream.Stream<WatchEvent>, NotFound> =>
        Effect.map(get(id), (found) =>
          Stream.asyncPush<WatchEvent>((emit) =>
            Effect.acquireRelease(
              follow(id, (event, last) => {
                emit.single(event)
                if (last) emit.end()
              }, found).pipe(Effect.orDie), // with the state known, nothing is looked up
              (stop) => Effect.sync(stop)
            )
          ))

      /**
       * The feed of every change as callbacks: `emit` is called with each committed change
       * of a matching execution, in sequence order, from the moment of the call. With
       * `after` (a sequence number the client saw), first the retained changes after it,
       * then the live ones, nothing missed or doubled: it listens before it reads the log
       * and drops live changes not newer than the last one read. When changes after
       * `after` are no longer retained (or `after` is newer than any change), `Reset`
       * comes first instead. A caller limited to some orgs gets only their changes.
       * Answers the function that stops the feed.
       */
      const feed = (
        filter: FeedFilter,
        after: number | undefined,
        emit: (item: FeedItem) => void
      ): Effect.Effect<() => void> =>
        Effect.gen(function*() {
          // A caller limited to some orgs is told only of their executions.
          const caller = yield* Access.currentCaller
          let ready = false
          let last = 0
          const pending: Array<ExecutionEvent> = []
          const deliver = (event: ExecutionEvent) => {
            if (event.seq === undefined || event.seq <= last) return
            last = event.seq
            if (matchesFeed(filter, event.execution) && Access.inScope(caller, event.execution.metadata.org)) {
              emit({ _tag: "Change", seq: event.seq, event })
            }
          }
          const stop = events.listenAll((event) => ready ? deliver(event) : void pending.push(event))
          if (after !== undefined) {
            // The log first, its bounds second: a trim in between can only cause a reset, never a gap.
            const { retained, stored } = yield* provide(
              Effect.all({ stored: Changes.readAfter(after), retained: Changes.bounds })
            ).pipe(Effect.onInterrupt(() => Effect.sync(stop)))
            const newest = stored.length > 0 ? stored[stored.length - 1]!.seq : retained.newest
            if (!Changes.canResume(after, { oldest: retained.oldest, newest })) {
              last = newest
              emit({ _tag: "Reset", seq: newest })
            } else {
              for (const change of stored) {
                deliver({ _tag: change.kind, execution: change.execution, seq: change.seq })
              }
            }
          }
          ready = true
          for (const event of pending) deliver(event)
          return stop
        })

      /** A status update of a caller holding JSON: decoded (400 naming every issue), then `updateStatus`. */
      const updateStatusUnknown = (id: string, body: unknown, ifMatch?: string) =>
        Effect.flatMap(
          Pipeline.run(decodeStatusPipeline, { body }),
          ({ request }) => updateStatus(id, request, ifMatch)
        )

      return {
        decode,
        create,
        createUnknown,
        start,
        startUnknown: (body: unknown, key: string) => Effect.flatMap(decode(body), (request) => start(request, key)),
        get,
        getBySlug,
        update,
        updateUnknown,
        updateStatus,
        updateStatusUnknown,
        cancel,
        signal,
        delete: delete_,
        deleteEnded,
        sweepKeys,
        list,
        resolve,
        watch,
        follow,
        feed
      } as const
    })
  }
) {}

/**
 * For tests: every kind's service as an app composes them, the event hub and `runner` (by
 * default one that starts nothing; it may use the SqlClient), over a fresh database of
 * `backend` (in-memory SQLite by default) with every table migrated; also provides the
 * ResourceStore and SqlClient.
 */
export const layerTest = <E = never>(
  runner: Layer.Layer<ExecutionRunner, E, SqlClient.SqlClient | ResourceStore.ResourceStore> = layerNoop,
  backend: TestDatabase.Backend = "sqlite"
) =>
  layerOver(runner).pipe(
    Layer.provideMerge(
      ResourceStore.layerTest([WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations], backend)
    ),
    Layer.provideMerge(SecretBox.layerTest)
  )

/**
 * The services of the three kinds this package sees, with the event hub for the database
 * (shared through PostgreSQL, in-process on SQLite), over a migrated database the caller
 * provides: `@weft/engine`'s `Weft.layer` adds the Environment kind and the migrations;
 * tests of several replicas on one database use it as it is.
 */
export const layerOver = <A, E, R>(runner: Layer.Layer<A, E, R>) =>
  WorkflowExecutions.Default.pipe(
    Layer.provideMerge(WorkflowInstances.Default),
    Layer.provideMerge(Workflows.Default),
    Layer.provideMerge(DefaultInstanceProvisionerLive),
    Layer.provideMerge(ExecutionEventsLayer),
    Layer.provideMerge(runner),
    Layer.provideMerge(ResourceStore.layer)
  )
