/**
 * The README's smallest working bodies (`curl … -d '…'` under "The smallest working
 * bodies"), sent as they are written, in order, to an in-process server: each is
 * created. `wfl-…` stands for the id of the workflow the first one created. Also the
 * 400 the README quotes for a workflow without `ownerScope`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as TestServer from "./support/TestServer.js"

const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../README.md"), "utf8")

const section = readme.slice(readme.indexOf("### The smallest working bodies"), readme.indexOf("### Errors"))

const examples = [...section.matchAll(/curl -s localhost:8080(\/v1\/[a-z-]+) -d '(\{[\s\S]*?\})'/g)].map((m) => ({
  path: m[1],
  body: m[2]
}))

describe("README", () => {
  it.effect("every smallest body is accepted as written", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(examples.map((e) => e.path), ["/v1/workflows", "/v1/workflow-instances", "/v1/workflow-executions"])
      let workflowId = ""
      for (const example of examples) {
        const body = JSON.parse(example.body.replaceAll("wfl-…", workflowId))
        const res = yield* TestServer.request("POST", example.path, body)
        assert.strictEqual(res.status, 201, `${example.path}: ${JSON.stringify(res.body)}`)
        if (example.path === "/v1/workflows") {
          workflowId = res.body.metadata.id
          const instance = yield* TestServer.request("GET", `/v1/workflow-instances/${res.body.status.defaultInstanceId}`)
          assert.strictEqual(instance.body.metadata.slug, "hello-default")
        }
        if (example.path === "/v1/workflow-executions") {
          assert.strictEqual(res.body.status.phase, "EXECUTION_PENDING")
          assert.match(res.body.metadata.name, /^hello-default-\d{8}-\d{6}$/)
        }
      }
      const quoted = /the answer is 400 `([^`]+)`/.exec(section.replace(/\n/g, " "))
      assert.isNotNull(quoted)
      const first = JSON.parse(examples[0].body)
      const missing = yield* TestServer.request("POST", "/v1/workflows", { ...first, metadata: { name: "Hello" } })
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(missing.body.message, quoted![1])
    }).pipe(Effect.provide(TestServer.make())))
})
