/**
 * The `weft` command line as processes against a real server process on a temporary
 * database: the README walkthrough (apply, run, status from a second process, watch),
 * the other commands, and the errors.
 */
import { assert, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { ServerProcess } from "@weft/testing"
import * as Weft from "./support/Weft.js"

const example = path.join(ServerProcess.repoRoot, "examples/customer-onboarding.yaml")

const weft = (...args: ReadonlyArray<string>) =>
  Effect.flatMap(ServerProcess.Server, (server) => Weft.run(args, { server: server.url }))

const weftIn = (stdin: string, ...args: ReadonlyArray<string>) =>
  Effect.flatMap(ServerProcess.Server, (server) => Weft.run(args, { server: server.url, stdin }))

const start = (...args: ReadonlyArray<string>) =>
  Effect.flatMap(ServerProcess.Server, (server) => Weft.start(args, { server: server.url }))

const ok = (result: Weft.Result, what: string) =>
  assert.strictEqual(result.code, 0, `${what}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`)

const lines = (text: string) => text.split("\n").filter((line) => line !== "")

/** Applies the example unless an earlier test did, for tests that need it (and may run alone). */
const ensureExample = Effect.gen(function*() {
  const server = yield* ServerProcess.Server
  const applied = yield* Effect.promise(() =>
    fetch(`${server.url}/v1/workflow-instances/by-slug/acme-onboarding?org=acme`).then((res) => res.ok)
  )
  if (!applied) ok(yield* weft("apply", "-f", example), "apply example")
})

const executionId = /\b(wex-[0-9a-z]{26})\b/

const withTempFile = (content: string) =>
  Effect.map(ServerProcess.tempDir, (dir) => {
    const file = path.join(dir, "output.json")
    fs.writeFileSync(file, content)
    return file
  })

layer(ServerProcess.layer(), { timeout: "120 seconds", excludeTestServices: true })("weft", (it) => {
  it.scoped("environments: a secret from stdin (@-) or a file (@path) is sent, never printed; get shows keys, not values", () =>
    Effect.gen(function*() {
      const dir = yield* ServerProcess.tempDir
      const file = path.join(dir, "env.yaml")
      fs.writeFileSync(path.join(dir, "api-key"), "key-from-file-7c1d\n")
      fs.writeFileSync(file, [
        "kind: Environment",
        "metadata: {name: cli-secrets, org: acme, ownerScope: organization}",
        "spec:",
        "  data:",
        "    API_KEY: {value: \"@api-key\", isSecret: true}",
        "    PASSWORD: {value: \"@-\", isSecret: true}",
        "    AT: {value: \"@@handle\"}"
      ].join("\n"))
      const applied = yield* weftIn("pw-from-stdin-42a9\n", "apply", "-f", file)
      ok(applied, "apply")
      assert.deepStrictEqual(lines(applied.stdout), ["environment/cli-secrets created"])
      const shown = [applied.stdout, applied.stderr]
      for (const args of [["get", "environments", "--org", "acme"], ["get", "env", "cli-secrets", "--org", "acme", "-o", "json"], [
        "get",
        "env",
        "cli-secrets",
        "--org",
        "acme",
        "-o",
        "yaml"
      ]]) {
        const got = yield* weft(...args)
        ok(got, args.join(" "))
        shown.push(got.stdout, got.stderr)
      }
      const json = JSON.parse(shown[4])
      assert.deepStrictEqual(json.spec.data, { API_KEY: { isSecret: true }, PASSWORD: { isSecret: true }, AT: { value: "@handle" } })
      assert.match(shown[2], /^cli-secrets\s+env-\S+\s+acme\s+3\s+2\s+1\s/m)
      for (const text of shown) {
        assert.notInclude(text, "key-from-file-7c1d")
        assert.notInclude(text, "pw-from-stdin-42a9")
      }
      // Applied again without stdin: the stored secrets are kept, nothing changes.
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("{value: \"@-\", isSecret: true}", "{isSecret: true}"))
      const again = yield* weftIn("", "apply", "-f", file)
      ok(again, "apply again")
      assert.deepStrictEqual(lines(again.stdout), ["environment/cli-secrets unchanged"])
      const missing = yield* weftIn("", "apply", "-f", path.join(dir, "nope.yaml"))
      assert.strictEqual(missing.code, 1)
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("@api-key", "@no-such-file"))
      const unreadable = yield* weftIn("", "apply", "-f", file)
      assert.strictEqual(unreadable.code, 1)
      assert.include(unreadable.stderr, "spec.data.API_KEY.value: cannot read @no-such-file")
    }))

  it.scoped("a workflow's envSpec and a run's runtimeEnv take secrets from a file or stdin too; nothing prints them", () =>
    Effect.gen(function*() {
      const dir = yield* ServerProcess.tempDir
      const file = path.join(dir, "docs.yaml")
      fs.writeFileSync(path.join(dir, "api-key"), "wf-key-from-file-19b4\n")
      fs.writeFileSync(file, [
        "kind: Workflow",
        "metadata: {name: cli-secret-wf, org: acme, ownerScope: organization}",
        "spec:",
        "  document: {dsl: \"1.0.0\", namespace: acme, name: cli-secret-wf, version: \"1.0.0\"}",
        "  tasks: [{name: a, kind: WORKFLOW_TASK_KIND_SET, taskConfig: {variables: {}}}]",
        "  envSpec: {data: {API_KEY: {value: \"@api-key\", isSecret: true}}}",
        "---",
        "kind: WorkflowExecution",
        "metadata: {name: cli-secret-run, org: acme, ownerScope: organization}",
        "spec:",
        "  workflowSlug: cli-secret-wf",
        "  runtimeEnv: {TOKEN: {value: \"@-\", isSecret: true}}"
      ].join("\n"))
      const applied = yield* weftIn("rt-from-stdin-6d02\n", "apply", "-f", file)
      ok(applied, "apply")
      assert.match(applied.stdout, /^workflow\/cli-secret-wf created$/m)
      assert.match(applied.stdout, /^workflowexecution\/cli-secret-run created$/m)
      const shown = [applied.stdout, applied.stderr]
      for (const args of [["get", "workflow", "cli-secret-wf", "--org", "acme", "-o", "json"], ["get", "workflow", "cli-secret-wf", "--org", "acme", "-o", "yaml"], ["get", "execution", "cli-secret-run", "--org", "acme", "-o", "json"]]) {
        const got = yield* weft(...args)
        ok(got, args.join(" "))
        shown.push(got.stdout, got.stderr)
      }
      assert.deepStrictEqual(JSON.parse(shown[2]).spec.envSpec.data, { API_KEY: { isSecret: true } })
      assert.deepStrictEqual(JSON.parse(shown[6]).spec.runtimeEnv, { TOKEN: { isSecret: true } })
      for (const text of shown) {
        assert.notInclude(text, "wf-key-from-file-19b4")
        assert.notInclude(text, "rt-from-stdin-6d02")
      }
    }))

  it.scoped("apply the example: created, then unchanged", () =>
    Effect.gen(function*() {
      const first = yield* weft("apply", "-f", example)
      ok(first, "first apply")
      assert.deepStrictEqual(lines(first.stdout), [
        "workflow/customer-onboarding created",
        "environment/acme-prod created",
        "workflowinstance/acme-onboarding created"
      ])
      assert.strictEqual(first.stderr, "")

      const second = yield* weft("apply", "-f", example)
      ok(second, "second apply")
      assert.deepStrictEqual(lines(second.stdout), [
        "workflow/customer-onboarding unchanged",
        "environment/acme-prod unchanged",
        "workflowinstance/acme-onboarding unchanged"
      ])

      // The instance's workflowSlug was resolved to the workflow's id.
      const [workflow, instance] = yield* Effect.all([
        weft("get", "workflow", "customer-onboarding", "--org", "acme", "-o", "json"),
        weft("get", "instance", "acme-onboarding", "--org", "acme", "-o", "json")
      ], { concurrency: 2 })
      ok(workflow, "get workflow")
      ok(instance, "get instance")
      const wf = JSON.parse(workflow.stdout)
      assert.strictEqual(wf.metadata.version, 1)
      assert.deepStrictEqual(wf.spec.tasks.map((t: any) => t.name), [
        "validate_email",
        "check_email",
        "create_account",
        "wait_for_activation",
        "send_welcome",
        "reject"
      ])
      assert.strictEqual(JSON.parse(instance.stdout).spec.workflowId, wf.metadata.id)
    }))

  it.scoped("run, status from a second process, watch prints each change and exits 0 on COMPLETED", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const run = yield* weft(
        "run",
        "customer-onboarding",
        "--org",
        "acme",
        "--instance",
        "acme-onboarding",
        "--input",
        "email=jane@example.com",
        "--input",
        "plan=pro",
        "--message",
        "new signup",
        "-q"
      )
      ok(run, "run")
      const id = run.stdout.trim()
      assert.match(id, /^wex-[0-9a-z]{26}$/)

      const watcher = yield* start("watch", id)
      yield* watcher.waitFor(/^\[v1\] PENDING/)

      const s1 = yield* weft("status", id, "--phase", "IN_PROGRESS", "--task", "validate_email=IN_PROGRESS")
      ok(s1, "status 1")
      assert.match(s1.stdout, /^workflowexecution\/acme-onboarding-\d{8}-\d{6}(-\d+)? IN_PROGRESS \(version 2\)$/m)
      yield* watcher.waitFor(/^\[v2\] IN_PROGRESS/)

      // Two runner processes report different tasks at the same time: neither is lost.
      const [s2a, s2b] = yield* Effect.all([
        weft("status", id, "--task", "validate_email=COMPLETED"),
        weft("status", id, "--task", "create_account=in_progress")
      ], { concurrency: 2 })
      ok(s2a, "status 2a")
      ok(s2b, "status 2b")
      const output = yield* withTempFile(JSON.stringify({ accountId: "acc-42" }))
      const s3 = yield* weft(
        "status",
        id,
        "--task",
        "create_account=COMPLETED",
        "--task",
        "send_welcome=COMPLETED",
        "--phase",
        "COMPLETED",
        "--output",
        `@${output}`
      )
      ok(s3, "status 3")
      assert.match(s3.stdout, /COMPLETED \(version 5\)$/m)

      const watched = yield* watcher.result
      ok(watched, "watch")
      const out = watched.stdout
      assert.match(out, new RegExp(`^watching workflowexecution/acme-onboarding-\\S+ \\(${id}\\)$`, "m"))
      const heads = lines(out).filter((line) => line.startsWith("[v"))
      assert.deepStrictEqual(heads.map((line) => line.split(/\s+/).slice(0, 2).join(" ")), [
        "[v1] PENDING",
        "[v2] IN_PROGRESS",
        "[v3] IN_PROGRESS",
        "[v4] IN_PROGRESS",
        "[v5] COMPLETED"
      ])
      // Per-task status in each block.
      assert.match(out, /^\s+validate_email\s+IN_PROGRESS\s/m)
      assert.match(out, /^\s+create_account\s+IN_PROGRESS\s/m)
      assert.match(out, /^\s+send_welcome\s+COMPLETED\b/m)
      const last = lines(out).at(-1)!
      assert.match(last, /^workflowexecution\/acme-onboarding-\S+ COMPLETED in \d/)

      const got = yield* weft("get", "execution", id, "-o", "json")
      ok(got, "get execution")
      const execution = JSON.parse(got.stdout)
      assert.deepStrictEqual(execution.spec.triggerMetadata, { email: "jane@example.com", plan: "pro" })
      assert.strictEqual(execution.spec.triggerMessage, "new signup")
      assert.strictEqual(execution.metadata.ownerScope, "organization")
      assert.strictEqual(execution.status.phase, "EXECUTION_COMPLETED")
      assert.deepStrictEqual(execution.status.output, { accountId: "acc-42" })
      assert.deepStrictEqual(
        execution.status.tasks.map((t: any) => [t.taskName, t.status]),
        [
          ["validate_email", "WORKFLOW_TASK_COMPLETED"],
          ["check_email", "WORKFLOW_TASK_PENDING"],
          ["create_account", "WORKFLOW_TASK_COMPLETED"],
          ["wait_for_activation", "WORKFLOW_TASK_PENDING"],
          ["send_welcome", "WORKFLOW_TASK_COMPLETED"],
          ["reject", "WORKFLOW_TASK_PENDING"]
        ]
      )
      assert.isString(execution.status.tasks[0].startedAt)
      assert.isString(execution.status.tasks[0].completedAt)
    }))

  it.scoped("run --watch exits non-zero when the execution FAILED", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const running = yield* start("run", "customer-onboarding", "--org", "acme", "--watch")
      yield* running.waitFor(/^\[v1\] PENDING/)
      const id = executionId.exec(running.stdout())![1]
      const failed = yield* weft("status", id, "--phase", "FAILED", "--error", "SMTP timeout", "--task", "send_welcome=FAILED")
      ok(failed, "status FAILED")
      const result = yield* running.result
      assert.strictEqual(result.code, 1, result.stdout + result.stderr)
      assert.match(result.stdout, /^\[v2\] FAILED/m)
      assert.match(lines(result.stdout).at(-1)!, /^workflowexecution\/customer-onboarding-default-\S+ FAILED in \S+: SMTP timeout$/)
      assert.strictEqual(result.stderr, "")
    }))

  it.scoped("watch exits non-zero when the execution is deleted; an already finished execution ends at once", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const run = yield* weft("run", "customer-onboarding", "--org", "acme", "-q")
      ok(run, "run")
      const id = run.stdout.trim()
      const watcher = yield* start("watch", id)
      yield* watcher.waitFor(/^\[v1\] PENDING/)
      const deleted = yield* weft("delete", "wex", id)
      ok(deleted, "delete")
      assert.match(deleted.stdout, /^workflowexecution\/\S+ deleted$/m)
      const result = yield* watcher.result
      assert.strictEqual(result.code, 1)
      assert.match(lines(result.stdout).at(-1)!, /^workflowexecution\/\S+ deleted$/)

      const gone = yield* weft("watch", id)
      assert.strictEqual(gone.code, 1)
      assert.strictEqual(gone.stderr, `error: NOT_FOUND: WorkflowExecution not found: ${id}\n`)
    }))

  it.scoped("get and list: tables, JSON, YAML, filters", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const [table, json, yaml, instances, executions, byKindSlash] = yield* Effect.all([
        weft("list", "workflows", "--org", "acme"),
        weft("list", "wf", "--org", "acme", "-o", "json"),
        weft("get", "wf", "customer-onboarding", "--org", "acme", "-o", "yaml"),
        weft("list", "instances", "--workflow", "customer-onboarding", "--org", "acme"),
        weft("list", "executions", "--org", "acme", "--phase", "COMPLETED", "--phase", "FAILED", "-o", "json"),
        weft("get", "workflowinstance/acme-onboarding", "--org", "acme")
      ], { concurrency: 2 })
      for (const result of [table, json, yaml, instances, executions, byKindSlash]) ok(result, "get/list")
      assert.match(lines(table.stdout)[0], /^SLUG\s+ID\s+ORG\s+TASKS\s+VERSION\s+AGE$/)
      assert.match(table.stdout, /^customer-onboarding\s+wfl-[0-9a-z]{26}\s+acme\s+6\s+1\s+\S+$/m)
      const page = JSON.parse(json.stdout)
      assert.isTrue(page.entries.some((w: any) => w.metadata.slug === "customer-onboarding"))
      assert.match(yaml.stdout, /^kind: Workflow$/m)
      assert.match(yaml.stdout, /^ {2}slug: customer-onboarding$/m)
      assert.match(instances.stdout, /^acme-onboarding\s/m)
      assert.match(instances.stdout, /^customer-onboarding-default\s/m)
      const phases = JSON.parse(executions.stdout).entries.map((e: any) => e.status.phase)
      assert.isTrue(phases.every((p: string) => p === "EXECUTION_COMPLETED" || p === "EXECUTION_FAILED"), phases.join())
      assert.match(byKindSlash.stdout, /^acme-onboarding\s+win-/m)
    }))

  it.scoped("apply from stdin: JSON documents, slug references, an execution; a bad document is reported, the rest applied", () =>
    Effect.gen(function*() {
      const task = { name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { x: 1 } } }
      const docs = [
        {
          kind: "Workflow",
          metadata: { name: "Stdin Flow", ownerScope: "platform" },
          spec: { document: { dsl: "1.0.0", namespace: "t", name: "stdin", version: "1" }, tasks: [task] }
        },
        {
          kind: "WorkflowInstance",
          metadata: { name: "stdin-inst", ownerScope: "platform" },
          spec: { workflowRef: { slug: "stdin-flow" } }
        },
        {
          kind: "WorkflowInstance",
          metadata: { name: "broken", ownerScope: "platform" },
          spec: { workflowSlug: "no-such-flow" }
        },
        {
          kind: "Workflow",
          metadata: { name: "Bad Kind", ownerScope: "platform" },
          spec: {
            document: { dsl: "1.0.0", namespace: "t", name: "bad", version: "1" },
            tasks: [{ ...task, kind: "NOPE" }]
          }
        },
        {
          kind: "WorkflowExecution",
          metadata: { ownerScope: "identity_account" },
          spec: { workflowInstanceSlug: "stdin-inst", triggerMessage: "from stdin" }
        }
      ]
      const result = yield* weftIn(docs.map((d) => JSON.stringify(d)).join("\n---\n"), "apply", "-f", "-")
      assert.strictEqual(result.code, 1, result.stdout + result.stderr)
      const out = lines(result.stdout)
      assert.deepStrictEqual(out.slice(0, 2), ["workflow/stdin-flow created", "workflowinstance/stdin-inst created"])
      assert.match(out[2], /^workflowexecution\/stdin-inst-\d{8}-\d{6}(-\d+)? created$/)
      const errors = lines(result.stderr)
      assert.strictEqual(errors[0], "error: workflowinstance/broken: NOT_FOUND: Workflow not found: no-such-flow")
      assert.match(errors[1], /^error: workflow\/bad-kind: INVALID_ARGUMENT: spec\.tasks\[0\]\.kind: /)
      assert.strictEqual(errors.length, 2)

      // delete: refused while the workflow has another instance, then in order.
      const refused = yield* weft("delete", "workflow", "stdin-flow")
      assert.strictEqual(refused.code, 1)
      assert.match(refused.stderr, /^error: FAILED_PRECONDITION: /)
      const [instance, missing] = yield* Effect.all([
        weft("delete", "instance", "stdin-inst"),
        weft("delete", "instance", "not-there")
      ], { concurrency: 2 })
      ok(instance, "delete instance")
      assert.strictEqual(instance.stdout, "workflowinstance/stdin-inst deleted\n")
      assert.strictEqual(missing.stderr, "error: NOT_FOUND: WorkflowInstance not found: not-there\n")
    }))

  it.scoped("errors: one line on stderr with the canonical code, non-zero exit", () =>
    Effect.gen(function*() {
      const [notFound, noExecution, badPhase, badInput, usage, unknownKind] = yield* Effect.all([
        weft("get", "workflow", "missing-workflow"),
        weft("status", "wex-01j0000000000000000000000z", "--phase", "COMPLETED"),
        weft("status", "wex-01j0000000000000000000000z", "--phase", "DONE"),
        weft("run", "customer-onboarding", "--org", "acme", "--input", "novalue"),
        weft("get"),
        weft("get", "gadgets")
      ], { concurrency: 2 })
      assert.strictEqual(notFound.code, 1)
      assert.strictEqual(notFound.stderr, "error: NOT_FOUND: Workflow not found: missing-workflow\n")
      assert.strictEqual(notFound.stdout, "")
      assert.strictEqual(noExecution.code, 1)
      assert.strictEqual(
        noExecution.stderr,
        "error: NOT_FOUND: WorkflowExecution not found: wex-01j0000000000000000000000z\n"
      )
      assert.strictEqual(badPhase.code, 1)
      assert.match(badPhase.stderr, /^error: INVALID_ARGUMENT: unknown phase "DONE"; expected one of PENDING, IN_PROGRESS/)
      assert.strictEqual(badInput.code, 1)
      assert.strictEqual(badInput.stderr, "error: INVALID_ARGUMENT: --input: expected KEY=VALUE, got \"novalue\"\n")
      assert.strictEqual(usage.code, 2)
      assert.strictEqual(unknownKind.code, 1)
      assert.match(unknownKind.stderr, /^error: INVALID_ARGUMENT: unknown kind "gadgets"/)

      const unreachable = yield* Weft.run(["list", "wf"], { server: "http://127.0.0.1:9" })
      assert.strictEqual(unreachable.code, 1)
      assert.match(unreachable.stderr, /^error: UNAVAILABLE: cannot reach the weft server at http:\/\/127\.0\.0\.1:9 /)
    }))

  it.scoped("--help on every command: plain text, real placeholders, optional options marked; shell completions", () =>
    Effect.gen(function*() {
      const [help, runHelp, statusHelp, completions] = yield* Effect.all([
        weft("--help"),
        weft("run", "--help"),
        weft("status", "-h"),
        weft("--completions", "bash")
      ], { concurrency: 2 })
      ok(help, "--help")
      for (const command of ["apply", "get", "list", "run", "watch", "status", "cancel", "signal", "delete"]) {
        assert.match(help.stdout, new RegExp(`^  ${command}\\s+\\S`, "m"))
      }
      assert.match(help.stdout, /^Usage: weft <command> \[options\]$/m)
      ok(runHelp, "run --help")
      for (const text of [help.stdout, runHelp.stdout, statusHelp.stdout]) {
        assert.notInclude(text, "\x1b", "no terminal escapes in a pipe")
        assert.notInclude(text, "user-defined")
        assert.notInclude(text, "This setting is optional")
      }
      assert.match(runHelp.stdout, /^Usage: weft run \[options\] <WORKFLOW>$/m)
      assert.match(runHelp.stdout, /^ {2}--instance INSTANCE\s+Run through this instance/m)
      assert.match(runHelp.stdout, /^ {2}-i, --input KEY=VALUE\.\.\.\s+KEY=VALUE, stored in spec\.triggerMetadata; repeatable$/m)
      assert.match(runHelp.stdout, /^ {2}--server URL\s/m)
      assert.notInclude(runHelp.stdout, "(required)", "every option of run is optional")
      assert.match(statusHelp.stdout, /--allow-new-tasks/)
      assert.match(statusHelp.stdout, /WEFT_RUNNER_TOKEN/)
      ok(completions, "--completions")
      assert.include(completions.stdout, "weft")
    }))

  it.scoped("usage errors print the error and the usage, exit code 2", () =>
    Effect.gen(function*() {
      const [missing, badOutput, unknownOption] = yield* Effect.all([
        weft("get"),
        weft("list", "wf", "-o", "xml"),
        weft("list", "wf", "--colour")
      ], { concurrency: 2 })
      assert.strictEqual(missing.code, 2)
      assert.strictEqual(missing.stdout, "")
      assert.deepStrictEqual(lines(missing.stderr), [
        "error: Missing argument <KIND>",
        "usage: weft get [options] <KIND> [<NAME>]",
        "Run 'weft get --help' for more."
      ])
      assert.strictEqual(badOutput.code, 2)
      assert.strictEqual(lines(badOutput.stderr)[0], "error: --output: expected table, json or yaml, got \"xml\"")
      assert.strictEqual(lines(badOutput.stderr)[1], "usage: weft list [options] <KIND>")
      assert.strictEqual(unknownOption.code, 2)
      assert.match(unknownOption.stderr, /colour/)
      assert.match(unknownOption.stderr, /^usage: weft list /m)
      assert.notInclude(missing.stderr + badOutput.stderr + unknownOption.stderr, "\x1b")
    }))

  it.scoped("a 1 MB result through a pipe arrives whole", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      // Three workflows of about 350 KB each (under the 1 MiB body limit).
      const blob = "x".repeat(350_000)
      for (const n of [1, 2, 3]) {
        const res = yield* Effect.promise(() =>
          fetch(`${server.url}/v1/workflows`, {
            method: "POST",
            body: JSON.stringify({
              metadata: { name: `bulky ${n}`, ownerScope: "organization", org: "bulk" },
              spec: {
                document: { dsl: "1.0.0", namespace: "t", name: "bulky", version: "1" },
                tasks: [{ name: "t", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { blob } } }]
              }
            })
          })
        )
        assert.strictEqual(res.status, 201)
      }
      const listed = yield* weft("list", "wf", "--org", "bulk", "-o", "json")
      ok(listed, "list")
      assert.isAbove(listed.stdout.length, 1_000_000)
      const page = JSON.parse(listed.stdout)
      assert.deepStrictEqual(page.entries.map((w: any) => w.metadata.slug).sort(), ["bulky-1", "bulky-2", "bulky-3"])
      assert.strictEqual(page.entries[0].spec.tasks[0].taskConfig.variables.blob.length, 350_000)
    }))

  it.scoped("status refuses a task the workflow does not have, unless --allow-new-tasks", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const run = yield* weft("run", "customer-onboarding", "--org", "acme", "-q")
      ok(run, "run")
      const id = run.stdout.trim()
      const refused = yield* weft("status", id, "--task", "nosuchtask=COMPLETED")
      assert.strictEqual(refused.code, 1)
      assert.strictEqual(
        refused.stderr,
        "error: INVALID_ARGUMENT: --task: \"nosuchtask\" is not a task of workflow customer-onboarding " +
          "(validate_email, check_email, create_account, wait_for_activation, send_welcome, reject); " +
          "pass --allow-new-tasks to add it anyway\n"
      )
      const unchanged = JSON.parse((yield* weft("get", "wex", id, "-o", "json")).stdout)
      assert.strictEqual(unchanged.metadata.version, 1, "nothing was sent")

      const allowed = yield* weft("status", id, "--task", "nosuchtask=COMPLETED", "--allow-new-tasks")
      ok(allowed, "status --allow-new-tasks")
      const updated = JSON.parse((yield* weft("get", "wex", id, "-o", "json")).stdout)
      assert.deepStrictEqual(
        updated.status.tasks.map((t: any) => [t.taskName, t.status]),
        [
          ["validate_email", "WORKFLOW_TASK_PENDING"],
          ["check_email", "WORKFLOW_TASK_PENDING"],
          ["create_account", "WORKFLOW_TASK_PENDING"],
          ["wait_for_activation", "WORKFLOW_TASK_PENDING"],
          ["send_welcome", "WORKFLOW_TASK_PENDING"],
          ["reject", "WORKFLOW_TASK_PENDING"],
          ["nosuchtask", "WORKFLOW_TASK_COMPLETED"]
        ]
      )
      // Once in the list, the name is known.
      ok(yield* weft("status", id, "--task", "nosuchtask=FAILED"), "status of a listed task")
    }))

  it.scoped("a slug that lives in another org: NOT_FOUND says which org to pass", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const [workflow, instance, elsewhere] = yield* Effect.all([
        weft("get", "wf", "customer-onboarding"),
        weft("get", "instance", "acme-onboarding", "--org", "globex"),
        weft("get", "wf", "no-such-workflow")
      ], { concurrency: 2 })
      assert.strictEqual(workflow.code, 1)
      assert.strictEqual(
        workflow.stderr,
        "error: NOT_FOUND: Workflow not found: customer-onboarding (without org); it exists in org acme: pass --org acme\n"
      )
      assert.strictEqual(
        instance.stderr,
        "error: NOT_FOUND: WorkflowInstance not found: acme-onboarding (in org globex); it exists in org acme: pass --org acme\n"
      )
      assert.strictEqual(elsewhere.stderr, "error: NOT_FOUND: Workflow not found: no-such-workflow\n")
    }))

  /** A workflow of its own (org acme), so that a watched list shows only this test's runs. */
  const ownWorkflow = (name: string) =>
    Effect.gen(function*() {
      const doc = {
        kind: "Workflow",
        metadata: { name, ownerScope: "organization", org: "acme" },
        spec: {
          document: { dsl: "1.0.0", namespace: "acme", name, version: "1.0.0" },
          tasks: [{ name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { x: 1 } } }]
        }
      }
      ok(yield* weftIn(JSON.stringify(doc), "apply", "-f", "-"), "apply workflow")
      return name
    })

  const startRun = (workflow: string) =>
    Effect.map(weft("run", workflow, "--org", "acme", "-q"), (result) => {
      ok(result, "run")
      return result.stdout.trim()
    })

  const setPhase = (id: string, phase: string) => Effect.map(weft("status", id, "--phase", phase), (r) => ok(r, "status"))

  it.scoped("list executions --watch, not on a terminal: the table, then one row per change; --phase keeps to it", () =>
    Effect.gen(function*() {
      const workflow = yield* ownWorkflow(`watched-${Date.now().toString(36)}`)
      const e0 = yield* startRun(workflow)
      const watcher = yield* start("list", "executions", "--watch", "--org", "acme", "--workflow", workflow)
      yield* watcher.waitFor(new RegExp(`\\s${e0}\\s+PENDING\\s`))
      yield* setPhase(e0, "IN_PROGRESS")
      yield* watcher.waitFor(new RegExp(`\\s${e0}\\s+IN_PROGRESS\\s`))
      const e1 = yield* startRun(workflow)
      yield* watcher.waitFor(new RegExp(`\\s${e1}\\s+PENDING\\s`))
      const pending = yield* start("list", "executions", "--watch", "--org", "acme", "--workflow", workflow, "--phase", "PENDING")
      yield* pending.waitFor(new RegExp(`\\s${e1}\\s+PENDING\\s`))
      ok(yield* weft("delete", "execution", e0), "delete")
      yield* watcher.waitFor(new RegExp(`\\s${e0}\\s+DELETED\\s`))
      yield* setPhase(e1, "COMPLETED") // leaves PENDING: not a row of the second list
      const e2 = yield* startRun(workflow)
      yield* pending.waitFor(new RegExp(`\\s${e2}\\s+PENDING\\s`))
      yield* watcher.waitFor(new RegExp(`\\s${e2}\\s+PENDING\\s`))

      const rows = (text: string) => lines(text).map((line) => line.split(/\s+/).slice(1, 3).join(" "))
      assert.match(lines(watcher.stdout())[0], /^SLUG\s+ID\s+PHASE\s+TASKS\s+INSTANCE\s+ELAPSED\s+AGE$/)
      assert.deepStrictEqual(rows(watcher.stdout()).slice(1), [
        `${e0} PENDING`,
        `${e0} IN_PROGRESS`,
        `${e1} PENDING`,
        `${e0} DELETED`,
        `${e1} COMPLETED`,
        `${e2} PENDING`
      ])
      assert.deepStrictEqual(rows(pending.stdout()).slice(1), [`${e1} PENDING`, `${e2} PENDING`])
      assert.include(watcher.stderr(), "(following changes; Ctrl-C to stop)")
    }))

  it.scoped("list executions --watch on a terminal: the table redrawn in place as runs change", () =>
    Effect.gen(function*() {
      const workflow = yield* ownWorkflow(`live-${Date.now().toString(36)}`)
      const e0 = yield* startRun(workflow)
      const server = yield* ServerProcess.Server
      const watcher = yield* Weft.start(["list", "executions", "-w", "--org", "acme", "--workflow", workflow], {
        server: server.url,
        tty: true
      })
      yield* watcher.waitFor(new RegExp(`\\s${e0}\\s+PENDING\\s`))
      yield* setPhase(e0, "IN_PROGRESS")
      yield* watcher.waitFor(new RegExp(`\\s${e0}\\s+IN_PROGRESS\\s`))
      ok(yield* weft("delete", "execution", e0), "delete")
      const e1 = yield* startRun(workflow)
      yield* watcher.waitFor(new RegExp(`\\s${e1}\\s+PENDING\\s`))

      // Each drawing moves the cursor up over the table before it and clears the rest.
      const drawings = watcher.stdout().split(/\x1b\[\d+F\x1b\[0J/)
      assert.isAtLeast(drawings.length, 4, JSON.stringify(watcher.stdout()))
      const last = lines(drawings[drawings.length - 1].replaceAll("\r", ""))
      assert.match(last[0], /^SLUG\s+ID\s+PHASE/)
      assert.deepStrictEqual(last.slice(1).map((line) => line.split(/\s+/).slice(1, 3).join(" ")), [`${e1} PENDING`])
    }))

  it.scoped("list --watch: executions only, as a table, from the newest", () =>
    Effect.gen(function*() {
      const results = yield* Effect.all([
        weft("list", "workflows", "--watch"),
        weft("list", "executions", "--watch", "-o", "json"),
        weft("list", "executions", "--watch", "--page-token", "x")
      ], { concurrency: 2 })
      const errors = results.map((result) => {
        assert.strictEqual(result.code, 1, result.stderr)
        return result.stderr.trim()
      })
      assert.deepStrictEqual(errors, [
        "error: INVALID_ARGUMENT: --watch: only executions can be watched",
        "error: INVALID_ARGUMENT: --watch: prints a table (no -o)",
        "error: INVALID_ARGUMENT: --watch: starts from the newest (no --page-token)"
      ])
    }))

  it.scoped("run: a start whose answer is lost is retried with the same Idempotency-Key, and starts one execution", () =>
    Effect.gen(function*() {
      yield* ensureExample
      const server = yield* ServerProcess.Server
      const target = new URL(server.url)
      const count = Effect.promise(() =>
        fetch(`${server.url}/v1/workflow-executions?pageSize=1000`).then((res) => res.json()).then((page: any) => page.entries.length as number)
      )
      const before = yield* count
      // A proxy that forwards everything, but cuts the connection instead of relaying the first start's answer.
      const keys: Array<string> = []
      let cut = false
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname)
        let dropAnswer = false
        client.on("data", (chunk) => {
          const text = chunk.toString("latin1")
          const key = /^idempotency-key: *(\S+)/im.exec(text)
          if (key !== null) keys.push(key[1]!)
          if (!cut && text.startsWith("POST /v1/workflow-executions ")) dropAnswer = cut = true
          upstream.write(chunk)
        })
        upstream.on("data", (chunk) => {
          if (dropAnswer) {
            client.destroy()
            upstream.destroy()
          } else client.write(chunk)
        })
        client.on("close", () => upstream.destroy())
        upstream.on("close", () => client.destroy())
        client.on("error", () => {})
        upstream.on("error", () => {})
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void proxy.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => proxy.close())
      )
      const port = (proxy.address() as net.AddressInfo).port
      const result = yield* Weft.run(["run", "customer-onboarding", "--org", "acme", "-q"], { server: `http://127.0.0.1:${port}` })
      ok(result, "run through the proxy")
      assert.isTrue(cut, "the first answer was cut")
      assert.strictEqual(keys.length, 2, "two attempts")
      assert.strictEqual(keys[0], keys[1], "with one key")
      assert.strictEqual(yield* count, before + 1)
      const id = result.stdout.trim()
      const got = yield* Effect.promise(() => fetch(`${server.url}/v1/workflow-executions/${id}`).then((res) => res.status))
      assert.strictEqual(got, 200)
    }))

  it.scoped("tables name referenced instances and workflows by slug", () =>
    Effect.gen(function*() {
      yield* ensureExample
      ok(yield* weft("run", "customer-onboarding", "--org", "acme", "--instance", "acme-onboarding", "-q"), "run")
      const [executions, instances] = yield* Effect.all([
        weft("list", "executions", "--org", "acme", "--instance", "acme-onboarding"),
        weft("list", "instances", "--org", "acme")
      ], { concurrency: 2 })
      ok(executions, "list executions")
      const rows = lines(executions.stdout).slice(1)
      assert.isAbove(rows.length, 0)
      for (const row of rows) assert.match(row, /^acme-onboarding-\S+\s+wex-\S+\s+\S+\s+\S+\s+acme-onboarding\s/)
      ok(instances, "list instances")
      assert.match(instances.stdout, /^acme-onboarding\s+win-[0-9a-z]{26}\s+customer-onboarding\s+acme\s/m)
    }))
})

it.scoped("one shell, two tokens: status sends WEFT_RUNNER_TOKEN, the other commands WEFT_TOKEN", () =>
  Effect.gen(function*() {
    const server = yield* ServerProcess.startFresh({
      env: { WEFT_API_TOKEN: "api-token", WEFT_RUNNER_TOKEN: "runner-token" }
    })
    const both = { WEFT_TOKEN: "api-token", WEFT_RUNNER_TOKEN: "runner-token" }
    const as = (env: Record<string, string>, ...args: ReadonlyArray<string>) => Weft.run(args, { server: server.url, env })
    ok(yield* as(both, "apply", "-f", example), "apply")
    const run = yield* as(both, "run", "customer-onboarding", "--org", "acme", "-q")
    ok(run, "run")
    const id = run.stdout.trim()
    const status = yield* as(both, "status", id, "--phase", "IN_PROGRESS", "--task", "validate_email=IN_PROGRESS")
    ok(status, "status with the runner token")
    assert.match(status.stdout, /IN_PROGRESS \(version 2\)$/m)
    // Without a runner token, status falls back to WEFT_TOKEN: the API token may not update status.
    const apiOnly = yield* as({ WEFT_TOKEN: "api-token" }, "status", id, "--phase", "COMPLETED")
    assert.strictEqual(apiOnly.code, 1)
    assert.match(apiOnly.stderr, /^error: PERMISSION_DENIED: /)
    // --token wins over both.
    const explicit = yield* as(both, "status", id, "--phase", "COMPLETED", "--token", "runner-token")
    ok(explicit, "status --token")
  }), { timeout: 240_000 })

it.scoped("with the engine on, the walkthrough runs by itself: run --watch exits 0 on COMPLETED; cancel stops a run, once", () =>
  Effect.gen(function*() {
    const server = yield* ServerProcess.startFresh({ env: { WEFT_RUNNER: "embedded" } })
    const as = (...args: ReadonlyArray<string>) => Weft.run(args, { server: server.url })
    ok(yield* as("apply", "-f", example), "apply")
    const watched = yield* as("run", "customer-onboarding", "--org", "acme", "--input", "email=Jane@Example.com", "--watch")
    ok(watched, "run --watch")
    assert.match(lines(watched.stdout).at(-1)!, /^workflowexecution\/customer-onboarding-default-\S+ COMPLETED in /)
    const id = executionId.exec(watched.stdout)![1]
    const got = yield* as("get", "execution", id, "-o", "json")
    ok(got, "get")
    const execution = JSON.parse(got.stdout)
    assert.strictEqual(execution.status.output.welcome, "Welcome jane@example.com, account acc-jane (starter) is ready")
    assert.deepStrictEqual(execution.status.tasks.map((t: any) => [t.taskName, t.status]), [
      ["validate_email", "WORKFLOW_TASK_COMPLETED"],
      ["check_email", "WORKFLOW_TASK_COMPLETED"],
      ["create_account", "WORKFLOW_TASK_COMPLETED"],
      ["wait_for_activation", "WORKFLOW_TASK_COMPLETED"],
      ["send_welcome", "WORKFLOW_TASK_COMPLETED"],
      ["reject", "WORKFLOW_TASK_SKIPPED"]
    ])

    // A run parked in a long WAIT: cancel stops it; cancelling again is refused.
    const parked = JSON.stringify({
      kind: "Workflow",
      metadata: { name: "parked", ownerScope: "organization", org: "acme" },
      spec: {
        document: { dsl: "1.0.0", namespace: "acme", name: "parked", version: "1" },
        tasks: [{ name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 3600 } }]
      }
    })
    ok(yield* Weft.run(["apply", "-f", "-"], { server: server.url, stdin: parked }), "apply parked")
    const run = yield* as("run", "parked", "--org", "acme", "-q")
    ok(run, "run parked")
    const runId = run.stdout.trim()
    const watcher = yield* Weft.start(["watch", runId], { server: server.url })
    yield* watcher.waitFor(/pause\s+IN_PROGRESS/)
    const cancelled = yield* as("cancel", runId)
    ok(cancelled, "cancel")
    assert.match(cancelled.stdout, /^workflowexecution\/parked-default-\S+ CANCELLED$/m)
    const watchedEnd = yield* watcher.result
    assert.strictEqual(watchedEnd.code, 1, "watch exits 1 on CANCELLED")
    const again = yield* as("cancel", runId)
    assert.strictEqual(again.code, 1)
    assert.match(again.stderr, /^error: FAILED_PRECONDITION: /)
  }), { timeout: 240_000 })

it.scoped("with the engine on, signal: a run waiting in a LISTEN takes the data of --data @FILE and completes; a finished run refuses", () =>
  Effect.gen(function*() {
    const server = yield* ServerProcess.startFresh({ env: { WEFT_RUNNER: "embedded" } })
    const as = (...args: ReadonlyArray<string>) => Weft.run(args, { server: server.url })
    const approval = JSON.stringify({
      kind: "Workflow",
      metadata: { name: "approval", ownerScope: "organization", org: "acme" },
      spec: {
        document: { dsl: "1.0.0", namespace: "acme", name: "approval", version: "1" },
        tasks: [{ name: "approve", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "approved" }] } } }]
      }
    })
    ok(yield* Weft.run(["apply", "-f", "-"], { server: server.url, stdin: approval }), "apply approval")
    const run = yield* as("run", "approval", "--org", "acme", "-q")
    ok(run, "run approval")
    const runId = run.stdout.trim()
    const watcher = yield* Weft.start(["watch", runId], { server: server.url })
    yield* watcher.waitFor(/approve\s+IN_PROGRESS/)

    const badData = yield* as("signal", runId, "approved", "--data", "{nope")
    assert.strictEqual(badData.code, 1)
    assert.match(badData.stderr, /^error: INVALID_ARGUMENT: --data: not JSON: /)

    const file = yield* withTempFile(JSON.stringify({ by: "ada" }))
    const sent = yield* as("signal", runId, "approved", "--data", `@${file}`)
    ok(sent, "signal")
    assert.match(sent.stdout, /^workflowexecution\/approval-default-\S+ signal "approved" accepted$/m)
    const watched = yield* watcher.result
    assert.strictEqual(watched.code, 0, "watch exits 0 on COMPLETED")
    const got = JSON.parse((yield* as("get", "execution", runId, "-o", "json")).stdout)
    assert.deepStrictEqual(got.status.output, { by: "ada" })

    const late = yield* as("signal", runId, "approved", "-d", "1")
    assert.strictEqual(late.code, 1)
    assert.match(late.stderr, /^error: FAILED_PRECONDITION: .*EXECUTION_COMPLETED/)
  }), { timeout: 240_000 })
