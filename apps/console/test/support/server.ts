/**
 * A weft server for the browser tests: the bundle `pnpm start` runs, as a child process
 * (`@weft/testing`'s ServerProcess) on a free port over a fresh SQLite file, with the
 * engine unless `env` turns it off; `stop` kills its process group and removes its
 * directory. `test/support/build.ts` builds the console and the server first.
 */
import { ServerProcess } from "@weft/testing"
import { Effect, Exit, Scope } from "effect"

export const repoRoot = ServerProcess.repoRoot

export interface Server {
  readonly url: string
  readonly stop: () => Promise<void>
  /** A JSON request to the API (with `token` as bearer when given); throws on a non-2xx answer. */
  readonly api: <A = any>(method: string, route: string, body?: unknown, token?: string) => Promise<A>
  readonly output: () => string
}

export const start = async (env: Record<string, string> = {}): Promise<Server> => {
  const scope = Effect.runSync(Scope.make())
  const running = await Effect.runPromise(
    ServerProcess.startFresh({ bundle: true, env: { WEFT_RUNNER: undefined, ...env } }).pipe(Scope.extend(scope))
  ).catch(async (error) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  const api = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${running.url}${route}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`)
    return text === "" ? undefined : JSON.parse(text)
  }
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return { url: running.url, stop, api, output: running.output }
}
