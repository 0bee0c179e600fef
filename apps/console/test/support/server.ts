/**
 * A weft server for the browser tests: the bundle `pnpm start` runs, as a child process
 * on a free port over a fresh SQLite file, killed (its whole process group) when the
 * test is done. `test/support/build.ts` builds the console and the server first.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..")
export const serverBundle = path.join(repoRoot, "apps/server/dist/main.mjs")

export interface Server {
  readonly url: string
  readonly stop: () => Promise<void>
  /** A JSON request to the API (with `token` as bearer when given); throws on a non-2xx answer. */
  readonly api: <A = any>(method: string, route: string, body?: unknown, token?: string) => Promise<A>
  readonly output: () => string
}

export const start = async (env: Record<string, string> = {}): Promise<Server> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-console-test-"))
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WEFT_")))
  const child: ChildProcess = spawn(process.execPath, [serverBundle], {
    cwd: dir,
    env: { ...inherited, WEFT_DB: path.join(dir, "weft.db"), WEFT_PORT: "0", WEFT_LOG_REQUESTS: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let output = ""
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = /weft listening on (http:\/\/\S+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited with ${code}:\n${output}`))
    })
  })
  const api = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${url}${route}`, {
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
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
      await exited
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return { url, stop, api, output: () => output }
}
