/**
 * Tasks and the `taskConfig` of each kind (CONTRACT 6.2), checked when a workflow is
 * created or updated, at every depth: the tasks nested in FOR `do`, FORK branches, TRY
 * `try` and `catch.do` are tasks like the top-level ones. The typed configs are what
 * the engine runs.
 */
import { ProtoEnum } from "@weft/resource"
import { Either, ParseResult, Schema } from "effect"

export const TaskKindNames = [
  "WORKFLOW_TASK_KIND_SET",
  "WORKFLOW_TASK_KIND_HTTP_CALL",
  "WORKFLOW_TASK_KIND_GRPC_CALL",
  "WORKFLOW_TASK_KIND_CALL_ACTIVITY",
  "WORKFLOW_TASK_KIND_SWITCH",
  "WORKFLOW_TASK_KIND_FOR",
  "WORKFLOW_TASK_KIND_FORK",
  "WORKFLOW_TASK_KIND_TRY",
  "WORKFLOW_TASK_KIND_LISTEN",
  "WORKFLOW_TASK_KIND_WAIT",
  "WORKFLOW_TASK_KIND_RAISE",
  "WORKFLOW_TASK_KIND_RUN",
  "WORKFLOW_TASK_KIND_AGENT_CALL"
] as const
/** Task kinds; proto number 0 is UNSPECIFIED, which is refused. */
export const TaskKind = ProtoEnum.make(TaskKindNames, { firstNumber: 1 })
export type TaskKind = typeof TaskKind.Type

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))

/** A task of any list; its `taskConfig` is checked against its kind by `validateTasks`. */
export const WorkflowTask = Schema.Struct({
  name: NonEmpty,
  kind: TaskKind,
  taskConfig: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  export: Schema.optional(Schema.Struct({ as: NonEmpty })),
  flow: Schema.optional(Schema.Struct({ then: Schema.optional(Schema.String) }))
})
export type WorkflowTask = typeof WorkflowTask.Type

/** `flow.then` values that name no task. */
export const FlowDirectives = ["continue", "exit", "end"] as const

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** A nested list of tasks (at least one). */
const TaskList = Schema.Array(Schema.suspend((): Schema.Schema<WorkflowTask, any> => WorkflowTask)).pipe(
  Schema.minItems(1, { message: () => "must have at least one task" })
)

/** A jq variable name, as `each`, `at` and `as` bind one. */
const VariableName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: () => "must be a name of letters, digits and _" })
)

/** One of `values`, refused with a message that lists them. */
const oneOf = <const T extends string>(values: ReadonlyArray<T>) =>
  Schema.String.pipe(
    Schema.filter((s): s is T => (values as ReadonlyArray<string>).includes(s), {
      message: () => `must be one of ${values.join(", ")}`
    })
  )

export const HttpMethods = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const
export type HttpMethod = (typeof HttpMethods)[number]
/** One of HttpMethods, in any letter case (`get` as the DSL writes it); decoded upper-case. */
const HttpMethod = Schema.transform(
  Schema.String.pipe(
    Schema.filter((s) => (HttpMethods as ReadonlyArray<string>).includes(s.toUpperCase()), {
      message: () => `must be one of ${HttpMethods.join(", ")}`
    })
  ),
  Schema.Literal(...HttpMethods),
  { strict: true, decode: (s) => s.toUpperCase() as HttpMethod, encode: (s) => s }
)

const int = (min: number, max?: number) =>
  Schema.Number.pipe(
    Schema.int({ message: () => "must be a whole number" }),
    max === undefined
      ? Schema.greaterThanOrEqualTo(min, { message: () => `must be at least ${min}` })
      : Schema.between(min, max, { message: () => `must be between ${min} and ${max}` })
  )

export const SetConfig = Schema.Struct({ variables: JsonObject })
export type SetConfig = typeof SetConfig.Type

export const HttpCallConfig = Schema.Struct({
  method: HttpMethod,
  endpoint: Schema.Struct({ uri: NonEmpty }),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  body: Schema.optional(Schema.Unknown),
  timeoutSeconds: Schema.optional(int(1, 300))
})
export type HttpCallConfig = typeof HttpCallConfig.Type

export const GrpcCallConfig = Schema.Struct({
  service: NonEmpty,
  method: NonEmpty,
  request: Schema.optional(Schema.Unknown)
})
export type GrpcCallConfig = typeof GrpcCallConfig.Type

export const CallActivityConfig = Schema.Struct({
  activity: NonEmpty,
  input: Schema.optional(Schema.Unknown)
})
export type CallActivityConfig = typeof CallActivityConfig.Type

export const SwitchCase = Schema.Struct({
  name: NonEmpty,
  /** An expression (with or without `${ }`, as it can be nothing else), a boolean, or empty: always matches. */
  when: Schema.optional(
    Schema.Union(Schema.String, Schema.Boolean).annotations({
      message: () => "must be an expression, a boolean, or empty"
    })
  ),
  then: NonEmpty
})
export const SwitchConfig = Schema.Struct({
  cases: Schema.Array(SwitchCase).pipe(Schema.minItems(1, { message: () => "must have at least one case" }))
})
export type SwitchConfig = typeof SwitchConfig.Type

export const ForConfig = Schema.Struct({
  /** An expression (with or without `${ }`) that yields an array, or an array. */
  in: Schema.Union(NonEmpty, Schema.Array(Schema.Unknown)).annotations({
    message: () => "must be an expression or an array"
  }),
  do: TaskList,
  each: Schema.optional(VariableName),
  at: Schema.optional(VariableName)
})
export type ForConfig = typeof ForConfig.Type

export const ForkBranch = Schema.Struct({ name: NonEmpty, do: TaskList })
export const ForkConfig = Schema.Struct({
  branches: Schema.Array(ForkBranch).pipe(Schema.minItems(2, { message: () => "must have at least two branches" })),
  compete: Schema.optional(Schema.Boolean)
})
export type ForkConfig = typeof ForkConfig.Type

export const Backoffs = ["constant", "exponential"] as const
export const RetryPolicy = Schema.Struct({
  limit: int(0, 1000),
  delaySeconds: Schema.optional(
    Schema.Number.pipe(Schema.between(0, 86_400, { message: () => "must be between 0 and 86400" }))
  ),
  backoff: Schema.optional(oneOf(Backoffs))
})
export const TryConfig = Schema.Struct({
  try: TaskList,
  catch: Schema.Struct({
    as: Schema.optional(VariableName),
    do: Schema.optional(Schema.Array(Schema.suspend((): Schema.Schema<WorkflowTask, any> => WorkflowTask))),
    retry: Schema.optional(RetryPolicy)
  })
})
export type TryConfig = typeof TryConfig.Type

export const ListenModes = ["one", "all"] as const
export const SignalTypes = ["signal", "query", "update"] as const
export const ListenConfig = Schema.Struct({
  to: Schema.Struct({
    mode: oneOf(ListenModes),
    signals: Schema.Array(Schema.Struct({
      id: NonEmpty,
      type: Schema.optional(oneOf(SignalTypes))
    })).pipe(Schema.minItems(1, { message: () => "must name at least one signal" }))
  }),
  timeoutSeconds: Schema.optional(int(1))
})
export type ListenConfig = typeof ListenConfig.Type

export const WaitConfig = Schema.Struct({
  seconds: Schema.Number.pipe(
    Schema.finite({ message: () => "must be a number" }),
    Schema.greaterThanOrEqualTo(1, { message: () => "must be at least 1" })
  )
})
export type WaitConfig = typeof WaitConfig.Type

export const RaiseConfig = Schema.Struct({ error: NonEmpty, message: NonEmpty })
export type RaiseConfig = typeof RaiseConfig.Type

export const RunConfig = Schema.Struct({ workflow: NonEmpty, input: Schema.optional(JsonObject) })
export type RunConfig = typeof RunConfig.Type

export const AgentCallConfig = Schema.Struct({
  agent: NonEmpty,
  message: NonEmpty,
  scope: Schema.optional(Schema.String),
  env: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  config: Schema.optional(JsonObject)
})
export type AgentCallConfig = typeof AgentCallConfig.Type

/** The config schema of each kind. */
export const configSchemas = {
  WORKFLOW_TASK_KIND_SET: SetConfig,
  WORKFLOW_TASK_KIND_HTTP_CALL: HttpCallConfig,
  WORKFLOW_TASK_KIND_GRPC_CALL: GrpcCallConfig,
  WORKFLOW_TASK_KIND_CALL_ACTIVITY: CallActivityConfig,
  WORKFLOW_TASK_KIND_SWITCH: SwitchConfig,
  WORKFLOW_TASK_KIND_FOR: ForConfig,
  WORKFLOW_TASK_KIND_FORK: ForkConfig,
  WORKFLOW_TASK_KIND_TRY: TryConfig,
  WORKFLOW_TASK_KIND_LISTEN: ListenConfig,
  WORKFLOW_TASK_KIND_WAIT: WaitConfig,
  WORKFLOW_TASK_KIND_RAISE: RaiseConfig,
  WORKFLOW_TASK_KIND_RUN: RunConfig,
  WORKFLOW_TASK_KIND_AGENT_CALL: AgentCallConfig
} as const satisfies Record<TaskKind, Schema.Schema<any, any>>

/** The typed config of each kind. */
export type ConfigOf<K extends TaskKind> = Schema.Schema.Type<(typeof configSchemas)[K]>

/** A task with its config decoded: what the engine runs. */
export type TypedTask = {
  [K in TaskKind]: { readonly task: WorkflowTask; readonly kind: K; readonly config: ConfigOf<K> }
}[TaskKind]

/** Decodes a task's config against its kind. */
export const decode = (task: WorkflowTask): Either.Either<TypedTask, ParseResult.ParseError> =>
  Either.map(
    Schema.decodeUnknownEither(configSchemas[task.kind] as Schema.Schema<unknown>)(task.taskConfig),
    (config) => ({ task, kind: task.kind, config }) as TypedTask
  )

/** A problem found in a task list: where (relative to the list's owner) and what. */
export interface TaskIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/**
 * Every problem of a list of tasks and of the lists nested in them: configs that do not
 * match their kind, duplicate names within a list, and `then`s (of tasks and of SWITCH
 * cases) that name no task of their list. `path` is where the list sits (`["tasks"]`).
 */
export const validateTasks = (
  tasks: ReadonlyArray<WorkflowTask>,
  path: ReadonlyArray<PropertyKey>
): ReadonlyArray<TaskIssue> => {
  const issues: Array<TaskIssue> = []
  const names = new Set<string>()
  for (const [i, task] of tasks.entries()) {
    if (names.has(task.name)) issues.push({ path: [...path, i, "name"], message: `duplicate task name "${task.name}"` })
    names.add(task.name)
  }
  const checkTarget = (target: string | undefined, at: ReadonlyArray<PropertyKey>) => {
    if (target === undefined || (FlowDirectives as ReadonlyArray<string>).includes(target) || names.has(target)) return
    issues.push({
      path: at,
      message: `"${target}" is neither a task of this list nor one of ${FlowDirectives.join(", ")}`
    })
  }
  for (const [i, task] of tasks.entries()) {
    const at = [...path, i]
    checkTarget(task.flow?.then, [...at, "flow", "then"])
    const decoded = decode(task)
    if (Either.isLeft(decoded)) {
      for (const issue of ParseResult.ArrayFormatter.formatErrorSync(decoded.left)) {
        issues.push({ path: [...at, "taskConfig", ...issue.path], message: issue.message })
      }
      continue
    }
    const typed = decoded.right
    const config = [...at, "taskConfig"]
    switch (typed.kind) {
      case "WORKFLOW_TASK_KIND_SWITCH":
        typed.config.cases.forEach((c, j) => checkTarget(c.then, [...config, "cases", j, "then"]))
        break
      case "WORKFLOW_TASK_KIND_FOR":
        issues.push(...validateTasks(typed.config.do, [...config, "do"]))
        break
      case "WORKFLOW_TASK_KIND_FORK": {
        const branches = new Set<string>()
        typed.config.branches.forEach((branch, j) => {
          if (branches.has(branch.name)) {
            issues.push({ path: [...config, "branches", j, "name"], message: `duplicate branch name "${branch.name}"` })
          }
          branches.add(branch.name)
          issues.push(...validateTasks(branch.do, [...config, "branches", j, "do"]))
        })
        break
      }
      case "WORKFLOW_TASK_KIND_TRY":
        issues.push(...validateTasks(typed.config.try, [...config, "try"]))
        issues.push(...validateTasks(typed.config.catch.do ?? [], [...config, "catch", "do"]))
        break
    }
  }
  return issues
}
