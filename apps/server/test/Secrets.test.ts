/**
 * The secret key: from WEFT_SECRET_KEY, or a key file beside a SQLite database made at the
 * first start; required on PostgreSQL; and `rotate-secrets`, which re-encrypts every
 * stored secret (of environments, workflows' `envSpec`, executions' `runtimeEnv`) under a
 * new key.
 */
import { assert, describe, it } from "@effect/vitest"
import { Environments } from "@weft/environment"
import { SecretBox } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Either, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Database from "../src/Database.js"
import * as RotateSecrets from "../src/RotateSecrets.js"
import * as SecretKeys from "../src/SecretKeys.js"
import { ServicesLive } from "../src/Server.js"
import * as ServerConfig from "../src/ServerConfig.js"
import { ServerProcess as Process } from "@weft/testing"

const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-secrets-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "weft.db")))

const keyA = SecretBox.generateKey()
const keyB = SecretBox.generateKey()

/** The services over `file` with these key settings. */
const on = (file: string, settings: Omit<SecretKeys.KeySettings, "database">) =>
  ServicesLive.pipe(Layer.provideMerge(Database.layerSqlite(file, settings)), Layer.orDie)

const environment = {
  metadata: { name: "vault", org: "acme", ownerScope: "organization" },
  spec: { data: { TOKEN: { value: "tok-rotate-me-5e2", isSecret: true }, PLAIN: { value: "p" } } }
}

const workflow = {
  metadata: { name: "with-secrets", org: "acme", ownerScope: "organization" },
  spec: {
    document: { dsl: "1.0.0", namespace: "acme", name: "with-secrets", version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }],
    envSpec: { data: { API_KEY: { value: "wf-rotate-me-71a", isSecret: true } } }
  }
}

/**
 * Stores `environment`, `workflow` and an execution of it with a secret `runtimeEnv` in
 * `file`, every secret sealed under key A; answers the ids of the workflow and execution.
 */
const createUnderKeyA = (file: string) =>
  Effect.gen(function*() {
    yield* (yield* Environments).createUnknown(environment)
    const created = yield* (yield* Workflows).createUnknown(workflow)
    const execution = yield* (yield* WorkflowExecutions).create({
      metadata: { org: "acme", ownerScope: "organization" },
      spec: { workflowId: created.metadata.id, runtimeEnv: { TOKEN: { value: "rt-rotate-me-93c", isSecret: true } } }
    })
    return { workflowId: created.metadata.id, executionId: execution.metadata.id }
  }).pipe(
    Effect.provide(on(file, { secretKey: Redacted.make(keyA) })),
    Effect.scoped
  )

const fileText = (file: string) =>
  [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString("latin1")).join("")

describe("secret keys", () => {
  it.scoped("without WEFT_SECRET_KEY a SQLite database gets a key file (0600), reused at the next start", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const first = yield* SecretKeys.keysOf({ database: file })
      const keyFile = SecretKeys.keyFileOf(file)
      assert.strictEqual(fs.statSync(keyFile).mode & 0o777, 0o600)
      const again = yield* SecretKeys.keysOf({ database: file })
      assert.deepStrictEqual(Buffer.from(again.current), Buffer.from(first.current))
      // A key given in the environment wins over the file.
      const given = yield* SecretKeys.keysOf({ database: file, secretKey: Redacted.make(keyB) })
      assert.deepStrictEqual(Buffer.from(given.current), Buffer.from(keyB, "base64"))
    }))

  it.effect("PostgreSQL needs WEFT_SECRET_KEY; a malformed key is refused, saying how to make one", () =>
    Effect.gen(function*() {
      const pg = yield* Effect.flip(SecretKeys.keysOf({ database: "postgres://localhost/weft" }))
      assert.include(pg.message, "WEFT_SECRET_KEY is required with a PostgreSQL database")
      const short = yield* Effect.flip(SecretKeys.keysOf({ database: ":memory:", secretKey: Redacted.make("c2hvcnQ=") }))
      assert.include(short.message, "32 bytes")
      const previous = yield* Effect.flip(
        SecretKeys.keysOf({ database: ":memory:", secretKeyPrevious: Redacted.make(`${keyA},nope!`) })
      )
      assert.include(previous.message, "WEFT_SECRET_KEY_PREVIOUS")
    }))

  it.scoped("rotate-secrets re-encrypts under the new key: the old key alone no longer opens them, the new one does", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      const { executionId, workflowId } = yield* createUnderKeyA(file)
      const rotated = yield* RotateSecrets.run.pipe(
        Effect.provide(ServerConfig.layer({
          ...ServerConfig.defaults,
          database: file,
          secretKey: Redacted.make(keyB),
          secretKeyPrevious: Redacted.make(keyA)
        })),
        Effect.scoped
      )
      assert.deepStrictEqual(rotated, [
        { kind: "Environment", resources: 1, values: 1 },
        { kind: "Workflow", resources: 1, values: 1 },
        { kind: "WorkflowExecution", resources: 1, values: 1 }
      ])
      const resolve = Effect.gen(function*() {
        const environment = yield* (yield* Environments).resolve({ org: "acme", slug: "vault" })
        const workflow = yield* (yield* Workflows).resolve(workflowId)
        const execution = yield* (yield* WorkflowExecutions).resolve(executionId)
        return { ...environment.values, ...workflow.values, ...execution.values }
      }).pipe(Effect.either)
      const withNew = yield* resolve.pipe(Effect.provide(on(file, { secretKey: Redacted.make(keyB) })), Effect.scoped)
      assert.deepStrictEqual(
        withNew,
        Either.right({ TOKEN: "rt-rotate-me-93c", PLAIN: "p", API_KEY: "wf-rotate-me-71a" })
      )
      const withOld = yield* resolve.pipe(Effect.provide(on(file, { secretKey: Redacted.make(keyA) })), Effect.scoped)
      assert.isTrue(Either.isLeft(withOld))
      for (const secret of ["tok-rotate-me-5e2", "wf-rotate-me-71a", "rt-rotate-me-93c"]) {
        assert.notInclude(fileText(file), secret)
      }
    }))

  it.scoped("the server's rotate-secrets subcommand prints what it re-encrypted and exits 0", () =>
    Effect.gen(function*() {
      const file = yield* tempFile
      yield* createUnderKeyA(file)
      const proc = yield* Process.spawn({
        command: process.execPath,
        args: ["--import", Process.tsxLoader, Process.mainPath, "rotate-secrets"],
        cwd: Process.serverDir,
        env: { WEFT_DB: file, WEFT_SECRET_KEY: keyB, WEFT_SECRET_KEY_PREVIOUS: keyA }
      })
      const exited = yield* proc.waitExit("90 seconds")
      assert.strictEqual(exited.code, 0, proc.stderr())
      assert.include(proc.stdout(), "Environment: re-encrypted 1 secret values in 1 resources")
      assert.include(proc.stdout(), "Workflow: re-encrypted 1 secret values in 1 resources")
      assert.include(proc.stdout(), "WorkflowExecution: re-encrypted 1 secret values in 1 resources")
      assert.notInclude(proc.stdout() + proc.stderr(), "tok-rotate-me-5e2")
    }), 120_000)
})
