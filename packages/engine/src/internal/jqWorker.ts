/**
 * jq runs in a worker thread: jq-web is synchronous WebAssembly, so an expression that
 * never ends (`[range(1e12)]`) would otherwise block the whole process. One worker per
 * process serves every call, one call at a time; a call that takes longer than its
 * timeout terminates the worker, and the next call starts a fresh one.
 */
import { Effect } from "effect"
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"

/** jq's failure: its stderr (or the thrown message). */
export class JqFailure {
  readonly _tag = "JqFailure"
  constructor(readonly stderr: string) {}
}

export class JqTimeout {
  readonly _tag = "JqTimeout"
  constructor(readonly millis: number) {}
}

/** The worker's code, CommonJS, given jq-web's resolved path. */
const source = `
const { parentPort, workerData } = require("node:worker_threads")
require(workerData.jqPath).then((jq) => {
  // The first call is slow (the module warms up): make it before taking calls.
  jq.raw("null", ".", ["-c"])
  parentPort.on("message", ({ json, program }) => {
    try {
      parentPort.postMessage({ ok: true, out: jq.raw(json, program, ["-c"]) })
    } catch (error) {
      const stderr = error && error.stderr ? String(error.stderr) : String((error && error.message) || error)
      parentPort.postMessage({ ok: false, stderr })
    }
  })
  parentPort.postMessage({ ready: true })
}, (error) => parentPort.postMessage({ ready: false, stderr: String(error) }))
`

type Reply = { readonly ok: true; readonly out: string | undefined } | { readonly ok: false; readonly stderr: string }

interface Running {
  readonly worker: Worker
  readonly ready: Promise<void>
}

let running: Running | undefined
let queue: Promise<unknown> = Promise.resolve()

const start = (): Running => {
  const worker = new Worker(source, {
    eval: true,
    workerData: { jqPath: createRequire(import.meta.url).resolve("jq-web") }
  })
  // Idle, the worker does not keep the process alive.
  worker.unref()
  const ready = new Promise<void>((resolve, reject) => {
    worker.once("message", (message: { ready: boolean; stderr?: string }) =>
      message.ready ? resolve() : reject(new Error(`jq did not load: ${message.stderr}`)))
    worker.once("error", reject)
  })
  worker.on("exit", () => {
    if (running?.worker === worker) running = undefined
  })
  return { worker, ready }
}

const call = (json: string, program: string, timeoutMillis: number): Promise<Reply | JqTimeout> => {
  const current = running ??= start()
  return current.ready.then(() =>
    new Promise<Reply | JqTimeout>((resolve, reject) => {
      const { worker } = current
      const timer = setTimeout(() => {
        worker.off("message", onMessage)
        if (running === current) running = undefined
        void worker.terminate()
        resolve(new JqTimeout(timeoutMillis))
      }, timeoutMillis)
      const onMessage = (reply: Reply) => {
        clearTimeout(timer)
        worker.off("error", onError)
        resolve(reply)
      }
      const onError = (error: Error) => {
        clearTimeout(timer)
        if (running === current) running = undefined
        reject(error)
      }
      worker.once("message", onMessage)
      worker.once("error", onError)
      worker.ref()
      worker.postMessage({ json, program })
    }).finally(() => current.worker.unref())
  )
}

/** Runs jq over `json` with `program` (`-c`); answers its stdout. Calls are served in order. */
export const run = (json: string, program: string, timeoutMillis: number): Effect.Effect<string | undefined, JqFailure | JqTimeout> =>
  Effect.flatMap(
    Effect.promise(() => {
      const next = queue.then(() => call(json, program, timeoutMillis))
      queue = next.catch(() => undefined)
      return next.catch((error: unknown) => ({ ok: false as const, stderr: String(error) }))
    }),
    (reply): Effect.Effect<string | undefined, JqFailure | JqTimeout> =>
      reply instanceof JqTimeout
        ? Effect.fail(reply)
        : reply.ok
        ? Effect.succeed(reply.out)
        : Effect.fail(new JqFailure(reply.stderr))
  )
