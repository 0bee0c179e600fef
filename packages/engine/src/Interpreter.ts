/**
 * The task-graph interpreter: runs a workflow document (CONTRACT 6) over a seam of
 * effects. It is pure over (plan, journaled results): every effect that must not run
 * twice goes through `TaskEffects`, which the durable runtime journals, so a replay after
 * a crash recomputes pure tasks and reads effectful results back from the journal.
 */
import { TaskConfig, type Workflow } from "@weft/workflow"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Activities, type ActivitiesShape } from "./Activities.js"
import { Clock, type ConfigError, Data, Deferred, Effect, Either, Layer, ParseResult } from "effect"
import { Expressions, type ExpressionsShape, layer as expressionsLayer, type Scope } from "./Expressions.js"
import * as EngineMetrics from "./EngineMetrics.js"
import { HttpCalls, layer as httpCallsLayer } from "./HttpCalls.js"
import * as HttpPolicy from "./HttpPolicy.js"
import { asObject, asText, redactor, typeName, wrap } from "./internal/data.js"
import { TaskBoard } from "./internal/taskBoard.js"
import * as TaskErrors from "./TaskError.js"
import type { TaskError } from "./TaskError.js"

type WorkflowTask = Workflow.WorkflowTask
type TaskEntry = WorkflowExecution.TaskEntry

/** Everything a run needs, pinned at its start (JSON-serialisable). */
export interface RunPlan {
  readonly execution: { readonly id: string; readonly name: string; readonly slug: string; readonly org?: string }
  /** `$workflow.definition`. */
  readonly workflow: { readonly id: string; readonly name: string; readonly slug: string }
  /** The workflow's `spec.tasks` as at start. */
  readonly tasks: ReadonlyArray<WorkflowTask>
  /** `$input` (6.1). */
  readonly input: Record<string, unknown>
  /** `$env`, resolved. */
  readonly env: Record<string, string>
  /** Secret values to redact in status. */
  readonly secrets: ReadonlyArray<string>
  readonly maxSteps: number
}

/** Implemented durably by "runtime", in memory by tests. */
export interface TaskEffects {
  /** Runs `run` at most once to completion per key for this run; on replay returns the journaled result or error. */
  readonly activity: <A>(key: string, run: Effect.Effect<A, TaskError>) => Effect.Effect<A, TaskError>
  /** A durable timer under key. */
  readonly sleep: (key: string, millis: number) => Effect.Effect<void>
  /**
   * Waits for signals sent to the run (LISTEN) and takes them: with `one`, the oldest
   * kept signal with any of `ids`; with `all`, the oldest of each id, once each has one.
   * Signals sent before the wait are kept for it. Fails with type `timeout` when
   * `timeoutMillis` passes first. On replay, answers what it took.
   */
  readonly listen: (key: string, request: ListenRequest) => Effect.Effect<ReadonlyArray<Signal>, TaskError>
  /**
   * Starts the child run of a RUN, at most once per key for this run (on replay, answers
   * the child it started); answers its execution id. Fails when it cannot start (no
   * such workflow).
   */
  readonly startChild: (key: string, request: ChildRequest) => Effect.Effect<string, TaskError>
  /** Waits until the execution `childId` has ended (or is gone); on replay, answers what it saw. */
  readonly awaitChild: (key: string, childId: string) => Effect.Effect<ChildOutcome>
}

/** What a RUN starts: the workflow (an id, or a slug in the run's org) and the child's `triggerMetadata`. */
export interface ChildRequest {
  readonly workflow: string
  readonly triggerMetadata: Record<string, string>
}

/** How a child run ended, as its parent's RUN takes it. */
export type ChildOutcome =
  | { readonly _tag: "Completed"; readonly output: Record<string, unknown> }
  /** `error` is the child's `status.error`, `"<type>: <detail>"`. */
  | { readonly _tag: "Failed"; readonly error: string }
  | { readonly _tag: "Cancelled" }
  | { readonly _tag: "Deleted" }

/** What a LISTEN waits for. */
export interface ListenRequest {
  readonly ids: ReadonlyArray<string>
  readonly mode: "one" | "all"
  readonly timeoutMillis?: number | undefined
}

/** A signal as a LISTEN takes it. */
export interface Signal {
  readonly id: string
  readonly data: unknown
}

/** A partial status update, as the status path (CONTRACT 4.2) takes it. */
export interface StatusPatch {
  readonly phase?: WorkflowExecution.ExecutionPhase
  /** The whole array of task entries. */
  readonly tasks?: ReadonlyArray<TaskEntry>
  readonly output?: Record<string, unknown>
  readonly error?: string
}

/** "runtime" writes these through WorkflowExecutions.updateStatus. */
export interface StatusReporter {
  /** The run's current status as a partial status update (phase, tasks (whole array), output, error).
      `durable: true` means the caller waits until it is committed (used before a task that waits). */
  readonly report: (patch: StatusPatch, options: { readonly durable: boolean }) => Effect.Effect<void>
}

/**
 * How a run ended. The interpreter has already reported the terminal patch (durably)
 * when it returns this. Cancellation is interruption of `run`; the cancel itself writes
 * the CANCELLED status (WorkflowExecutions.cancel).
 */
export type RunOutcome = Data.TaggedEnum<{
  Completed: { readonly output: Record<string, unknown> }
  Failed: { readonly error: TaskError; readonly message: string }
}>
export const RunOutcome = Data.taggedEnum<RunOutcome>()

/**
 * What `run` needs, as an app composes it: jq expressions, and outbound HTTP under the
 * policy of `WEFT_HTTP_DENY` / `WEFT_HTTP_ALLOW`.
 */
export const layerServices: Layer.Layer<Expressions | HttpCalls, ConfigError.ConfigError> = Layer.mergeAll(
  expressionsLayer,
  httpCallsLayer.pipe(Layer.provide(HttpPolicy.layerConfig))
)

/** How a list of tasks ended: it ran out, `exit` left it, or `end` ends the run. */
type ListResult = { readonly _tag: "Done" | "Exit" | "End"; readonly output: unknown }

/** What a task answers to the list it is in. */
interface TaskResult {
  readonly output: unknown
  /** Where to go next when the task decides it (a SWITCH's case); else its `flow.then`. */
  readonly then?: string | undefined
  /** A nested list reached `end`: the run ends, whatever the task's `flow.then`. */
  readonly end?: boolean
}

/** Where a list sits: the path prefix of its tasks' ids and the variables it binds. */
interface Frame {
  readonly prefix: string
  readonly locals: Readonly<Record<string, unknown>>
}

/** The kinds that hold lists of tasks: reported IN_PROGRESS while their tasks run. */
const composite: ReadonlySet<Workflow.TaskKind> = new Set([
  "WORKFLOW_TASK_KIND_FOR",
  "WORKFLOW_TASK_KIND_FORK",
  "WORKFLOW_TASK_KIND_TRY"
])

const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

const namesOf = new WeakMap<ReadonlyArray<WorkflowTask>, ReadonlyMap<string, number>>()
const indexOf = (tasks: ReadonlyArray<WorkflowTask>): ReadonlyMap<string, number> => {
  let names = namesOf.get(tasks)
  if (names === undefined) {
    names = new Map(tasks.map((task, i) => [task.name, i]))
    namesOf.set(tasks, names)
  }
  return names
}

/**
 * Runs a plan to its end and answers how it ended, having reported every step through
 * `reporter` (CONTRACT 6.3), the terminal patch included. Interrupting it stops the run;
 * a cancel has already written the CANCELLED status (WorkflowExecutions.cancel).
 */
export const run = (
  plan: RunPlan,
  effects: TaskEffects,
  reporter: StatusReporter
): Effect.Effect<RunOutcome, never, Expressions | HttpCalls> =>
  Effect.gen(function*() {
    const expressions = yield* Expressions
    const httpCalls = yield* HttpCalls
    const activities = yield* Activities
    const interpreter = new Interpreter(plan, effects, reporter, expressions, httpCalls, activities)
    return yield* interpreter.run()
  }).pipe(Effect.withSpan("Interpreter.run", { attributes: { executionId: plan.execution.id } }))

class Interpreter {
  private readonly redact
  private readonly board
  private steps = 0
  private context: unknown = {}
  private readonly workflow

  constructor(
    private readonly plan: RunPlan,
    private readonly effects: TaskEffects,
    private readonly reporter: StatusReporter,
    private readonly expressions: ExpressionsShape,
    private readonly http: HttpCalls["Type"],
    private readonly activities: ActivitiesShape
  ) {
    this.redact = redactor(plan.secrets)
    this.board = new TaskBoard(this.redact)
    this.workflow = {
      id: plan.execution.id,
      name: plan.execution.name,
      slug: plan.execution.slug,
      definition: { id: plan.workflow.id, name: plan.workflow.name, slug: plan.workflow.slug }
    }
  }

  private report(durable: boolean, patch: StatusPatch = {}) {
    return this.reporter.report({ tasks: this.board.snapshot(), ...patch }, { durable })
  }

  run(): Effect.Effect<RunOutcome> {
    return Effect.gen(this, function*() {
      for (const task of this.plan.tasks) this.board.pending(task.name, task)
      yield* this.report(true, { phase: "EXECUTION_IN_PROGRESS" })
      const result = yield* Effect.either(this.runList(this.plan.tasks, this.plan.input, { prefix: "", locals: {} }))
      const at = yield* now
      if (Either.isRight(result)) {
        const output = this.redact(wrap(result.right.output))
        yield* this.reporter.report(
          { phase: "EXECUTION_COMPLETED", tasks: this.board.final(at), output },
          { durable: true }
        )
        return RunOutcome.Completed({ output })
      }
      const message = this.redact(TaskErrors.format(result.left))
      yield* this.reporter.report(
        { phase: "EXECUTION_FAILED", tasks: this.board.final(at), error: message },
        { durable: true }
      )
      return RunOutcome.Failed({ error: result.left, message })
    })
  }

  private scope(task: WorkflowTask, input: unknown, frame: Frame): Scope {
    return {
      input,
      variables: {
        input: this.plan.input,
        env: this.plan.env,
        context: this.context,
        workflow: this.workflow,
        task: { name: task.name },
        ...frame.locals
      }
    }
  }

  private runList(tasks: ReadonlyArray<WorkflowTask>, input: unknown, frame: Frame): Effect.Effect<ListResult, TaskError> {
    return Effect.gen(this, function*() {
      const names = indexOf(tasks)
      let i = 0
      let current = input
      while (i < tasks.length) {
        const task = tasks[i]
        const result = yield* this.runTask(task, current, frame)
        current = result.output
        if (result.end === true) return { _tag: "End", output: current }
        const then = result.then ?? task.flow?.then ?? "continue"
        if (then === "continue") {
          i++
        } else if (then === "exit") {
          return { _tag: "Exit", output: current }
        } else if (then === "end") {
          return { _tag: "End", output: current }
        } else {
          const target = names.get(then)
          if (target === undefined) {
            return yield* TaskErrors.make("validation", `task ${frame.prefix}${task.name}: then "${then}" names no task of its list`)
          }
          i = target
        }
      }
      return { _tag: "Done", output: current }
    })
  }

  private runTask(task: WorkflowTask, input: unknown, frame: Frame): Effect.Effect<TaskResult, TaskError> {
    const taskId = `${frame.prefix}${task.name}`
    return Effect.gen(this, function*() {
      this.steps++
      if (this.steps > this.plan.maxSteps) {
        return yield* TaskErrors.make("limit", `the run took more than ${this.plan.maxSteps} steps`)
      }
      const runs = this.board.start(taskId, task, input, yield* now)
      const key = runs > 1 ? `${taskId}#${runs}` : taskId
      const body = Effect.gen(this, function*() {
        const decoded = TaskConfig.decode(task)
        if (Either.isLeft(decoded)) {
          return yield* TaskErrors.make(
            "validation",
            `task ${taskId}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`
          )
        }
        if (composite.has(task.kind)) yield* this.report(false)
        const result = yield* this.execute(decoded.right, { taskId, key, input, frame })
        if (task.export?.as !== undefined) {
          this.context = yield* this.expressions.evaluate(task.export.as, this.scope(task, result.output, frame))
        }
        return result
      })
      return yield* body.pipe(
        Effect.tapError((error) =>
          Effect.flatMap(now, (at) => {
            this.board.fail(taskId, TaskErrors.format(error), at)
            return this.report(false)
          })
        ),
        Effect.tap((result) =>
          Effect.flatMap(now, (at) => {
            this.board.complete(taskId, result.output, at)
            return this.report(false)
          })
        ),
        Effect.onInterrupt(() => Effect.map(now, (at) => this.board.cancel(taskId, at))),
        EngineMetrics.timeTask(task.kind)
      )
    }).pipe(Effect.withSpan("Interpreter.task", { attributes: { taskId, kind: task.kind } }))
  }

  /** Before a task waits, its IN_PROGRESS entry is committed. */
  private beforeWaiting(): Effect.Effect<void> {
    return this.report(true)
  }

  private execute(
    typed: TaskConfig.TypedTask,
    at: { readonly taskId: string; readonly key: string; readonly input: unknown; readonly frame: Frame }
  ): Effect.Effect<TaskResult, TaskError> {
    const { frame, input, key, taskId } = at
    const scope = this.scope(typed.task, input, frame)
    const resolve = (value: unknown) => this.expressions.resolve(value, scope)
    switch (typed.kind) {
      case "WORKFLOW_TASK_KIND_SET":
        return Effect.map(resolve(typed.config.variables), (variables) => ({
          output: { ...asObject(input), ...asObject(variables) }
        }))

      case "WORKFLOW_TASK_KIND_HTTP_CALL": {
        const config = typed.config
        return Effect.gen(this, function*() {
          const request = (yield* resolve({ uri: config.endpoint.uri, headers: config.headers ?? {}, body: config.body })) as {
            uri: unknown
            headers: Record<string, unknown>
            body: unknown
          }
          if (typeof request.uri !== "string") {
            return yield* TaskErrors.make("expression", `endpoint.uri must be a string, not ${typeName(request.uri)}`)
          }
          const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, asText(v)]))
          yield* this.beforeWaiting()
          const output = yield* this.effects.activity(
            key,
            this.http.call({
              method: config.method,
              uri: request.uri,
              headers,
              body: request.body,
              timeout: `${config.timeoutSeconds ?? 30} seconds`
            })
          )
          return { output }
        })
      }

      case "WORKFLOW_TASK_KIND_SWITCH":
        return Effect.gen(this, function*() {
          for (const c of typed.config.cases) {
            const when = c.when === undefined || c.when.toString().trim() === "" || c.when === true
              ? true
              : c.when === false
              ? false
              : yield* this.expressions.evaluate(c.when, scope)
            if (when === true) {
              this.board.annotate(taskId, { case: c.name })
              return { output: input, then: c.then }
            }
          }
          return { output: input }
        })

      case "WORKFLOW_TASK_KIND_FOR": {
        const config = typed.config
        return Effect.gen(this, function*() {
          const items = typeof config.in === "string" ? yield* this.expressions.evaluate(config.in, scope) : yield* resolve(config.in)
          if (!Array.isArray(items)) {
            return yield* TaskErrors.make("expression", `FOR in must evaluate to an array, not ${typeName(items)}`)
          }
          const each = config.each ?? "item"
          const index = config.at ?? "index"
          const outputs: Array<unknown> = []
          for (const [i, item] of items.entries()) {
            const result = yield* this.runList(config.do, input, {
              prefix: `${taskId}/${i}/`,
              locals: { ...frame.locals, [each]: item, [index]: i }
            })
            outputs.push(result.output)
            if (result._tag === "Exit") break
            if (result._tag === "End") return { output: outputs, end: true }
          }
          return { output: outputs }
        })
      }

      case "WORKFLOW_TASK_KIND_FORK": {
        const config = typed.config
        const branch = (b: (typeof config.branches)[number]) =>
          this.runList(b.do, input, { prefix: `${taskId}/${b.name}/`, locals: frame.locals })
        if (config.compete === true) {
          return Effect.map(
            Effect.raceAll(config.branches.map((b) => Effect.map(branch(b), (result) => ({ name: b.name, result })))),
            ({ name, result }) => {
              this.board.annotate(taskId, { winner: name })
              return { output: result.output, end: result._tag === "End" }
            }
          )
        }
        return Effect.gen(this, function*() {
          // A branch reaching `end` ends the run: the others are cancelled.
          const ended = yield* Deferred.make<void>()
          const outputs: Record<string, unknown> = {}
          const all = Effect.forEach(
            config.branches,
            (b) =>
              Effect.flatMap(branch(b), (result) => {
                outputs[b.name] = result.output
                return result._tag === "End" ? Deferred.succeed(ended, undefined) : Effect.void
              }),
            { concurrency: "unbounded", discard: true }
          )
          const end = yield* Effect.raceFirst(Effect.as(all, false), Effect.as(Deferred.await(ended), true))
          return { output: outputs, end }
        })
      }

      case "WORKFLOW_TASK_KIND_TRY": {
        const config = typed.config
        return Effect.gen(this, function*() {
          const retry = config.catch.retry
          let attempt = 0
          while (true) {
            const attemptResult = yield* Effect.either(
              this.runList(config.try, input, { prefix: `${taskId}/try/`, locals: frame.locals })
            )
            if (Either.isRight(attemptResult)) {
              return { output: attemptResult.right.output, end: attemptResult.right._tag === "End" }
            }
            const error = attemptResult.left
            // The step limit is the engine's, not the workflow's: no TRY catches it.
            if (error.type === "limit") return yield* error
            if (retry !== undefined && attempt < retry.limit) {
              attempt++
              this.board.annotate(taskId, { attempts: String(attempt + 1) })
              const base = (retry.delaySeconds ?? 0) * 1000
              const delay = retry.backoff === "exponential" ? base * 2 ** (attempt - 1) : base
              if (delay > 0) {
                yield* this.beforeWaiting()
                yield* this.effects.sleep(`${key}/retry/${attempt}`, delay)
              }
              continue
            }
            const tasks = config.catch.do ?? []
            if (tasks.length === 0) return { output: input }
            const caught = yield* this.runList(tasks, input, {
              prefix: `${taskId}/catch/`,
              locals: { ...frame.locals, [config.catch.as ?? "error"]: error.toObject() }
            })
            return { output: caught.output, end: caught._tag === "End" }
          }
        })
      }

      case "WORKFLOW_TASK_KIND_WAIT": {
        const millis = Math.round(typed.config.seconds * 1000)
        return Effect.zipRight(
          this.beforeWaiting(),
          Effect.as(this.effects.sleep(key, millis), { output: input })
        )
      }

      case "WORKFLOW_TASK_KIND_RAISE":
        return Effect.flatMap(
          resolve({ error: typed.config.error, message: typed.config.message }),
          (raised) => {
            const { error, message } = raised as { error: unknown; message: unknown }
            const text = asText(message)
            return Effect.fail(new TaskErrors.TaskError({ type: asText(error), status: 400, title: text, detail: text }))
          }
        )

      case "WORKFLOW_TASK_KIND_GRPC_CALL":
        return Effect.fail(TaskErrors.make("unsupported", "gRPC calls are not run by this engine"))

      case "WORKFLOW_TASK_KIND_AGENT_CALL":
        return Effect.fail(TaskErrors.make("unsupported", "no agent runtime is configured"))

      case "WORKFLOW_TASK_KIND_LISTEN": {
        const { timeoutSeconds, to } = typed.config
        return Effect.gen(this, function*() {
          yield* this.beforeWaiting()
          const signals = yield* this.effects.listen(key, {
            ids: to.signals.map((signal) => signal.id),
            mode: to.mode,
            timeoutMillis: timeoutSeconds === undefined ? undefined : Math.round(timeoutSeconds * 1000)
          })
          const output = to.mode === "one"
            ? signals[0]?.data ?? null
            : Object.fromEntries(signals.map((signal) => [signal.id, signal.data]))
          return { output }
        })
      }

      case "WORKFLOW_TASK_KIND_CALL_ACTIVITY": {
        const config = typed.config
        return Effect.gen(this, function*() {
          const request = config.input === undefined ? input : yield* resolve(config.input)
          yield* this.beforeWaiting()
          const output = yield* this.effects.activity(key, this.activities.call(config.activity, request))
          return { output }
        })
      }

      case "WORKFLOW_TASK_KIND_RUN": {
        const config = typed.config
        return Effect.gen(this, function*() {
          // Without `input`, the task's input (wrapped as `{value}` when not an object).
          const given = wrap(config.input === undefined ? input : yield* resolve(config.input))
          // The child's spec is readable: the parent's secret values do not reach it in the clear.
          const triggerMetadata = this.redact(Object.fromEntries(Object.entries(given).map(([k, v]) => [k, asText(v)])))
          const childId = yield* this.effects.startChild(key, { workflow: config.workflow, triggerMetadata })
          this.board.annotate(taskId, { childExecutionId: childId })
          yield* this.beforeWaiting()
          const ended = yield* this.effects.awaitChild(key, childId)
          return { output: yield* childResult(childId, ended) }
        })
      }
    }
  }
}

/** A child's end as its RUN's result: its output, or the task's error. */
const childResult = (childId: string, ended: ChildOutcome): Effect.Effect<unknown, TaskError> => {
  switch (ended._tag) {
    case "Completed":
      return Effect.succeed(ended.output)
    case "Failed": {
      // The child's own error, as the DSL error it was: a TRY around the RUN sees its type.
      const at = ended.error.indexOf(": ")
      return Effect.fail(
        at > 0
          ? new TaskErrors.TaskError({
            type: ended.error.slice(0, at),
            title: "Child run failed",
            detail: ended.error.slice(at + 2)
          })
          : TaskErrors.make("run", `child execution ${childId} failed: ${ended.error}`)
      )
    }
    case "Cancelled":
      return Effect.fail(TaskErrors.make("cancelled", `child execution ${childId} was cancelled`))
    case "Deleted":
      return Effect.fail(TaskErrors.make("run", `child execution ${childId} was deleted`))
  }
}
