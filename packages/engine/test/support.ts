/**
 * In-memory TaskEffects with a journal (so a second run replays the first one's results),
 * a reporter that records every patch, and a plan builder.
 */
import { Deferred, Duration, Effect, Exit, Layer } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Expressions, HttpCalls, HttpPolicy, Interpreter, TaskError } from "../src/index.js"

const TaskErrorMake = TaskError.make

export type Journal = Map<string, Exit.Exit<unknown, TaskError.TaskError>>

export interface Recorder {
  readonly journal: Journal
  /** Keys whose activity actually ran (not replayed), in order. */
  readonly executed: Array<string>
  /** Timers that actually slept: [key, millis]. */
  readonly slept: Array<readonly [string, number]>
  readonly effects: Interpreter.TaskEffects
  /** Sends a signal to the run: kept until a LISTEN takes it. */
  readonly send: (signal: Interpreter.Signal) => Effect.Effect<void>
  /** Keys of the LISTENs that found nothing and waited, in order. */
  readonly listening: Array<string>
  /** The child runs started (not replayed), by id: what each was asked for. */
  readonly children: Map<string, Interpreter.ChildRequest>
  /** Completed with the first child run's id once one is started. */
  readonly childStarted: Deferred.Deferred<string>
  /** Ends a child run: its RUN, waiting or to come, takes this outcome. */
  readonly endChild: (childId: string, outcome: Interpreter.ChildOutcome) => Effect.Effect<void>
}

export const memoryEffects = (journal: Journal = new Map()): Recorder => {
  const executed: Array<string> = []
  const slept: Array<readonly [string, number]> = []
  const listening: Array<string> = []
  const kept: Array<Interpreter.Signal> = []
  const children = new Map<string, Interpreter.ChildRequest>()
  const childStarted = Deferred.unsafeMake<string>(undefined as never)
  const ends = new Map<string, Deferred.Deferred<Interpreter.ChildOutcome>>()
  const endOf = (childId: string) => {
    let end = ends.get(childId)
    if (end === undefined) {
      end = Deferred.unsafeMake<Interpreter.ChildOutcome>(undefined as never)
      ends.set(childId, end)
    }
    return end
  }
  let arrived = Deferred.unsafeMake<void>(undefined as never)
  const send = (signal: Interpreter.Signal) =>
    Effect.suspend(() => {
      kept.push(signal)
      const previous = arrived
      arrived = Deferred.unsafeMake<void>(undefined as never)
      return Deferred.succeed(previous, undefined)
    })
  /** The signals a LISTEN takes now (removed from `kept`), or none. */
  const takeKept = (request: Interpreter.ListenRequest): ReadonlyArray<Interpreter.Signal> | undefined => {
    const wanted = request.mode === "one" ? [] : [...new Set(request.ids)]
    const chosen = request.mode === "one"
      ? kept.filter((signal) => request.ids.includes(signal.id)).slice(0, 1)
      : wanted.flatMap((id) => kept.filter((signal) => signal.id === id).slice(0, 1))
    if (chosen.length === 0 || (request.mode === "all" && chosen.length < wanted.length)) return undefined
    for (const signal of chosen) kept.splice(kept.indexOf(signal), 1)
    return chosen
  }
  const effects: Interpreter.TaskEffects = {
    activity: <A>(key: string, run: Effect.Effect<A, TaskError.TaskError>) =>
      Effect.suspend(() => {
        const recorded = journal.get(key)
        if (recorded !== undefined) return recorded as Exit.Exit<A, TaskError.TaskError>
        if (executed.includes(key)) return Effect.dieMessage(`activity ${key} ran twice`)
        executed.push(key)
        return Effect.tap(Effect.exit(run), (exit) => Effect.sync(() => journal.set(key, exit))).pipe(Effect.flatten)
      }),
    sleep: (key, millis) =>
      Effect.suspend(() => {
        if (journal.has(key)) return Effect.void
        slept.push([key, millis])
        return Effect.tap(Effect.sleep(millis), () => Effect.sync(() => journal.set(key, Exit.void)))
      }),
    listen: (key, request) =>
      Effect.suspend(() => {
        const recorded = journal.get(key)
        if (recorded !== undefined) return recorded as Exit.Exit<ReadonlyArray<Interpreter.Signal>, TaskError.TaskError>
        const wait: Effect.Effect<ReadonlyArray<Interpreter.Signal>> = Effect.suspend(() => {
          const taken = takeKept(request)
          if (taken !== undefined) return Effect.succeed(taken)
          if (!listening.includes(key)) listening.push(key)
          return Effect.zipRight(Deferred.await(arrived), wait)
        })
        const bounded = request.timeoutMillis === undefined ? wait : Effect.timeoutFail(wait, {
          duration: Duration.millis(request.timeoutMillis),
          onTimeout: () => TaskErrorMake("timeout", `no signal within ${request.timeoutMillis! / 1000}s`)
        })
        return Effect.tap(Effect.exit(bounded), (exit) => Effect.sync(() => journal.set(key, exit))).pipe(Effect.flatten)
      }),
    startChild: (key, request) =>
      effects.activity(
        key,
        Effect.sync(() => {
          const childId = `wex-child-${children.size + 1}`
          children.set(childId, request)
          Deferred.unsafeDone(childStarted, Exit.succeed(childId))
          return childId
        })
      ),
    awaitChild: (key, childId) =>
      Effect.suspend(() => {
        const recorded = journal.get(`${key}/child`)
        if (recorded !== undefined) return recorded as Exit.Exit<Interpreter.ChildOutcome>
        return Effect.tap(Deferred.await(endOf(childId)), (outcome) => Effect.sync(() => journal.set(`${key}/child`, Exit.succeed(outcome))))
      })
  }
  const endChild = (childId: string, outcome: Interpreter.ChildOutcome) => Deferred.succeed(endOf(childId), outcome)
  return { journal, executed, slept, effects, send, listening, children, childStarted, endChild }
}

export interface Report {
  readonly patch: Interpreter.StatusPatch
  readonly durable: boolean
}

export const recordingReporter = () => {
  const reports: Array<Report> = []
  const reporter: Interpreter.StatusReporter = {
    report: (patch, options) => Effect.sync(() => void reports.push({ patch, durable: options.durable }))
  }
  return { reports, reporter }
}

/** The tasks as the last report listed them. */
export const lastTasks = (reports: ReadonlyArray<{ readonly patch: Interpreter.StatusPatch }>) => {
  for (let i = reports.length - 1; i >= 0; i--) {
    const tasks = reports[i].patch.tasks
    if (tasks !== undefined) return tasks
  }
  return []
}

export const entry = (reports: ReadonlyArray<{ readonly patch: Interpreter.StatusPatch }>, taskId: string) => lastTasks(reports).find((t) => t.taskId === taskId)

type Task = Interpreter.RunPlan["tasks"][number]

export const task = (
  name: string,
  kind: string,
  taskConfig: Record<string, unknown>,
  extra: { readonly then?: string; readonly exportAs?: string } = {}
): Task => ({
  name,
  kind: `WORKFLOW_TASK_KIND_${kind}` as Task["kind"],
  taskConfig,
  ...(extra.then !== undefined ? { flow: { then: extra.then } } : {}),
  ...(extra.exportAs !== undefined ? { export: { as: extra.exportAs } } : {})
})

export const set = (name: string, variables: Record<string, unknown>, extra?: { then?: string; exportAs?: string }) =>
  task(name, "SET", { variables }, extra)

export const plan = (tasks: ReadonlyArray<Task>, overrides: Partial<Interpreter.RunPlan> = {}): Interpreter.RunPlan => ({
  execution: { id: "wex-01", name: "run-1", slug: "run-1", org: "acme" },
  workflow: { id: "wfl-01", name: "Greeter", slug: "greeter" },
  tasks,
  input: {},
  env: {},
  secrets: [],
  maxSteps: 10_000,
  ...overrides
})

export const PolicyAllowAll = HttpPolicy.layer({ deny: [] })
export const EngineTest = Layer.mergeAll(Expressions.layer, HttpCalls.layer.pipe(Layer.provide(PolicyAllowAll)))

/** Runs a plan with fresh in-memory effects (or the given ones); answers the outcome and what was reported. */
export const runPlan = (p: Interpreter.RunPlan, recorder: Recorder = memoryEffects(), layer = EngineTest) =>
  Effect.gen(function*() {
    const { reporter, reports } = recordingReporter()
    const outcome = yield* Interpreter.run(p, recorder.effects, reporter).pipe(Effect.provide(layer))
    return { outcome, reports, recorder }
  })

/** A local HTTP server whose handler sees each request's method, url, headers and body; counts requests. */
export const testServer = (
  handler: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; count: number }) => {
    readonly status?: number
    readonly body?: string
    readonly contentType?: string
    /** Never answer (for timeouts). */
    readonly hang?: boolean
  }
) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly requests: () => number; readonly server: http.Server }>((resume) => {
      let count = 0
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          count++
          const answer = handler({
            method: req.method ?? "",
            url: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            count
          })
          if (answer.hang === true) return
          res.writeHead(answer.status ?? 200, { "content-type": answer.contentType ?? "application/json" })
          res.end(answer.body ?? "")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, requests: () => count, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** Waits (in real time) until `recorder` has started `n` timers: the run is then waiting on them. */
export const awaitTimers = (recorder: Recorder, n: number) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      const check = () => (recorder.slept.length >= n ? resolve() : setTimeout(check, 2))
      check()
    })
  )
