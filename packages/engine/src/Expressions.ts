/**
 * Expressions (CONTRACT 6.1): jq, through the WebAssembly build of jq itself (`jq-web`),
 * so the semantics are jq's own.
 *
 * A string that is entirely `${ … }` is an expression; every other string is literal.
 * Inside one, `.` is the task's input and the scope's variables (`$input`, `$env`,
 * `$context`, `$workflow`, `$task`, `$item`, …) are bound by name. An expression yields
 * its first output (`null` when it yields none). A failure is a `TaskError` of type
 * `expression`.
 *
 * Compiled forms are cached by source: a plain path (`.a.b`, `$input.items[0]`) becomes
 * a JavaScript accessor that never enters jq; anything else becomes one jq program that
 * binds the variables and evaluates every expression of a value in a single call.
 */
import { Context, Duration, Effect, Layer } from "effect"
import * as JqWorker from "./internal/jqWorker.js"
import * as PathExpression from "./internal/pathExpression.js"
import * as TaskError from "./TaskError.js"

/** What an expression sees. */
export interface Scope {
  /** `.` */
  readonly input: unknown
  /** Variables by name, without `$` (`input`, `env`, `context`, `workflow`, `task`, …). */
  readonly variables: Readonly<Record<string, unknown>>
}

export interface ExpressionsShape {
  /** Evaluates one expression, written with or without `${ }` (as `export.as` may be). */
  readonly evaluate: (source: string, scope: Scope) => Effect.Effect<unknown, TaskError.TaskError>
  /**
   * Evaluates every string leaf of `value` (at any depth) that is an expression, and
   * answers `value` with each replaced by its result; literal strings stay as they are.
   */
  readonly resolve: (value: unknown, scope: Scope) => Effect.Effect<unknown, TaskError.TaskError>
}

export class Expressions extends Context.Tag("@weft/engine/Expressions")<Expressions, ExpressionsShape>() {}

const wholeExpression = /^\s*\$\{([\s\S]*)\}\s*$/

/** The body of `${ … }`, or undefined when `value` is not entirely an expression. */
export const expressionBody = (value: string): string | undefined => wholeExpression.exec(value)?.[1]

/** True for a string that is entirely `${ … }`. */
export const isExpression = (value: unknown): value is string =>
  typeof value === "string" && wholeExpression.test(value)

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface Options {
  /** How many compiled forms to keep (least recently used go first); 0 disables the cache. */
  readonly cacheSize?: number
  /** How long one jq call may take (default 5 s); longer fails with type `expression`. */
  readonly timeout?: Duration.DurationInput
}

/** A compiled expression; `program` is its jq form, for what JavaScript does not answer. */
type Compiled =
  | { readonly _tag: "Path"; readonly path: PathExpression.PathExpression; readonly program: string }
  /** Strings joined by `+`: answered here when every operand is a string. */
  | { readonly _tag: "Concat"; readonly operands: ReadonlyArray<PathExpression.Operand>; readonly program: string }
  | { readonly _tag: "Jq"; readonly program: string }

type Fast = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** jq prints `jq: error (at inputString:0): <message>`; compile errors name the program's line. */
const jqMessage = (error: JqWorker.JqFailure | JqWorker.JqTimeout): string => {
  if (error._tag === "JqTimeout") return `took longer than ${Duration.format(Duration.millis(error.millis))}`
  const stderr = error.stderr
  const first = stderr.split("\n").find((line) => line.trim().length > 0) ?? stderr
  return first
    .replace(/^jq: error \(at [^)]*\):\s*/, "")
    .replace(/^jq: error:\s*/, "")
    .replace(/\s+at <top-level>, line \d+:?$/, "")
    .trim()
}

const parseOutput = (stdout: string | undefined): unknown => {
  if (stdout === undefined || stdout.trim() === "") return null
  return JSON.parse(stdout)
}

export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const timeoutMillis = Duration.toMillis(options.timeout ?? "5 seconds")
  const cacheSize = options.cacheSize ?? 2000
  const single = lru<Compiled>(cacheSize)
  const batches = lru<string>(cacheSize)

  const names = (scope: Scope): ReadonlyArray<string> =>
    Object.keys(scope.variables).filter((name) => variableName.test(name) && !name.startsWith("__"))

  /** One jq program binding the variables and evaluating each body to its first output. */
  const compileJq = (
    bodies: ReadonlyArray<string>,
    variables: ReadonlyArray<string>
  ): { readonly _tag: "Jq"; readonly program: string } => {
    const bindings = variables.map((name) => `$__weft.${name} as $${name} | `).join("")
    const outputs = bodies.map((body) => `([limit(1; (${body}\n))] | .[0])`).join(", ")
    return { _tag: "Jq", program: `.[0] as $__weft | ${bindings}.[1] | [${outputs}]` }
  }

  const known = (path: PathExpression.PathExpression, variables: ReadonlyArray<string>) =>
    path.variable === undefined || variables.includes(path.variable)

  const compileOne = (body: string, variables: ReadonlyArray<string>): Compiled =>
    single(`1\u0000${variables.join(",")}\u0000${body}`, () => {
      const program = compileJq([body], variables).program
      const path = PathExpression.parse(body)
      if (path !== undefined && known(path, variables)) return { _tag: "Path", path, program }
      const operands = PathExpression.parseConcat(body)
      return operands !== undefined && operands.every((o) => "text" in o || known(o.path, variables))
        ? { _tag: "Concat", operands, program }
        : { _tag: "Jq", program }
    })

  const follow = (path: PathExpression.PathExpression, scope: Scope) =>
    PathExpression.evaluate(path, (path.variable === undefined ? scope.input : scope.variables[path.variable]) ?? null)

  /** Evaluates in JavaScript where that gives jq's answer; undefined where jq must. */
  const fast = (compiled: Compiled, scope: Scope): Fast | undefined => {
    switch (compiled._tag) {
      case "Path":
        return follow(compiled.path, scope)
      case "Concat": {
        let text = ""
        for (const operand of compiled.operands) {
          if ("text" in operand) {
            text += operand.text
            continue
          }
          const result = follow(operand.path, scope)
          if (!result.ok || typeof result.value !== "string") return undefined
          text += result.value
        }
        return { ok: true, value: text }
      }
      case "Jq":
        return undefined
    }
  }

  const fail = (message: string, body: string) =>
    TaskError.make("expression", `${message} (in \${${body}})`)

  /** Runs one jq program over the scope; its outputs, one per expression. */
  const jqOutputs = (program: string, scope: Scope, variables: ReadonlyArray<string>, body: string) =>
    Effect.suspend(() => {
      const bound: Record<string, unknown> = {}
      for (const name of variables) bound[name] = scope.variables[name]
      return JqWorker.run(JSON.stringify([bound, scope.input ?? null]), program, timeoutMillis)
    }).pipe(
      Effect.mapBoth({
        onFailure: (error) => fail(jqMessage(error), body),
        onSuccess: (stdout) => parseOutput(stdout) as ReadonlyArray<unknown>
      })
    )

  const evaluateBody = (body: string, scope: Scope): Effect.Effect<unknown, TaskError.TaskError> => {
    const variables = names(scope)
    const compiled = compileOne(body, variables)
    const quick = fast(compiled, scope)
    if (quick !== undefined) return quick.ok ? Effect.succeed(quick.value) : Effect.fail(fail(quick.message, body))
    return Effect.map(jqOutputs(compiled.program, scope, variables, body), (outputs) => outputs[0] ?? null)
  }

  const evaluate = (source: string, scope: Scope) => evaluateBody(expressionBody(source) ?? source, scope)

  const resolve = (value: unknown, scope: Scope): Effect.Effect<unknown, TaskError.TaskError> =>
    Effect.suspend(() => {
      const bodies: Array<string> = []
      collect(value, bodies)
      if (bodies.length === 0) return Effect.succeed(value)
      // What JavaScript can answer is answered here; the rest goes to jq in one call.
      const variables = names(scope)
      const results: Array<unknown> = new Array(bodies.length)
      const rest: Array<number> = []
      for (const [i, body] of bodies.entries()) {
        const quick = fast(compileOne(body, variables), scope)
        if (quick === undefined) rest.push(i)
        else if (quick.ok) results[i] = quick.value
        else return Effect.fail(fail(quick.message, body))
      }
      if (rest.length === 0) return Effect.succeed(substitute(value, results))
      if (rest.length === 1) {
        return Effect.map(evaluateBody(bodies[rest[0]], scope), (result) => {
          results[rest[0]] = result
          return substitute(value, results)
        })
      }
      const pending = rest.map((i) => bodies[i])
      const program = batches(`${variables.join(",")}\u0000${pending.join("\u0001")}`, () =>
        compileJq(pending, variables).program)
      return jqOutputs(program, scope, variables, pending.join(", ")).pipe(
        Effect.map((outputs) => {
          rest.forEach((i, j) => (results[i] = outputs[j] ?? null))
          return substitute(value, results)
        }),
        // The batch failed: evaluate one by one to name the expression that did.
        Effect.catchAll((error) =>
          Effect.forEach(pending, (body) => evaluateBody(body, scope), { discard: true }).pipe(
            Effect.zipRight(Effect.fail(error))
          )
        )
      )
    })

  return Expressions.of({ evaluate, resolve })
})

/** A least-recently-used cache: a Map iterates in insertion order, so its first key is the oldest. */
const lru = <V>(size: number) => {
  const map = new Map<string, V>()
  return (key: string, build: () => V): V => {
    const hit = map.get(key)
    if (hit !== undefined) {
      map.delete(key)
      map.set(key, hit)
      return hit
    }
    const value = build()
    if (size > 0) {
      map.set(key, value)
      if (map.size > size) map.delete(map.keys().next().value!)
    }
    return value
  }
}

const collect = (value: unknown, into: Array<string>): void => {
  if (typeof value === "string") {
    const body = expressionBody(value)
    if (body !== undefined) into.push(body)
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, into)
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) collect(item, into)
  }
}

/** Rebuilds `value` with its expression leaves replaced by `results`, in `collect`'s order. */
const substitute = (value: unknown, results: ReadonlyArray<unknown>): unknown => {
  let next = 0
  const go = (v: unknown): unknown => {
    if (typeof v === "string") return expressionBody(v) !== undefined ? results[next++] : v
    if (Array.isArray(v)) return v.map(go)
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, go(item)]))
    return v
  }
  return go(value)
}

/** The default service: a cache of 2,000 compiled forms. */
export const layer: Layer.Layer<Expressions> = Layer.effect(Expressions, make())

/** The service with other options (a benchmark turns the cache off). */
export const layerWith = (options: Options): Layer.Layer<Expressions> => Layer.effect(Expressions, make(options))
