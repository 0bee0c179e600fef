/**
 * The pieces of the command line that need no server: kinds, phases, documents, the
 * task merge of `weft status` and the lines of `weft watch`.
 */
import { assert, describe, it } from "@effect/vitest"
import type { FeedEvent, WatchEvent } from "@weft/client"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Effect } from "effect"
import { describe as describeError } from "../src/CliError.js"
import { mergeTasks, taskNames, unknownTasks } from "../src/commands/Status.js"
import * as Documents from "../src/Documents.js"
import * as Kind from "../src/Kind.js"
import * as Output from "../src/Output.js"
import { parsePhase, parsePhases, parseTaskStatus } from "../src/Phase.js"
import * as ListView from "../src/ListView.js"
import * as WatchView from "../src/WatchView.js"

describe("Kind", () => {
  it.effect("accepts every alias; KIND/NAME", () =>
    Effect.gen(function*() {
      for (const alias of ["workflow", "Workflows", "wf"]) assert.strictEqual(yield* Kind.parse(alias), "Workflow")
      for (const alias of ["workflowinstance", "workflow-instances", "instance", "instances", "win"]) {
        assert.strictEqual(yield* Kind.parse(alias), "WorkflowInstance")
      }
      for (const alias of ["workflowexecution", "workflowexecutions", "execution", "executions", "wex"]) {
        assert.strictEqual(yield* Kind.parse(alias), "WorkflowExecution")
      }
      assert.deepStrictEqual(yield* Kind.parseWithName("wf/customer-onboarding", undefined), {
        kind: "Workflow",
        name: "customer-onboarding"
      })
      const error = yield* Effect.flip(Kind.parse("gadget"))
      assert.strictEqual(error.code, "INVALID_ARGUMENT")
      assert.isTrue(Kind.isId("Workflow", "wfl-01j0000000000000000000000z"))
      assert.isFalse(Kind.isId("Workflow", "win-01j0000000000000000000000z"))
    }))
})

describe("Phase", () => {
  it.effect("short, long, lower-case, dashed and numeric names", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* parsePhase("IN_PROGRESS"), "EXECUTION_IN_PROGRESS")
      assert.strictEqual(yield* parsePhase("in-progress"), "EXECUTION_IN_PROGRESS")
      assert.strictEqual(yield* parsePhase("EXECUTION_COMPLETED"), "EXECUTION_COMPLETED")
      assert.strictEqual(yield* parsePhase("4"), "EXECUTION_FAILED")
      assert.deepStrictEqual(yield* parsePhases(["completed,failed", "cancelled"]), [
        "EXECUTION_COMPLETED",
        "EXECUTION_FAILED",
        "EXECUTION_CANCELLED"
      ])
      assert.strictEqual(yield* parseTaskStatus("skipped"), "WORKFLOW_TASK_SKIPPED")
      const error = yield* Effect.flip(parsePhase("RUNNING"))
      assert.include(error.message, "unknown phase \"RUNNING\"")
    }))
})

describe("Documents", () => {
  it.effect("YAML and JSON, --- separated; arrays and Lists flatten; empty documents skipped", () =>
    Effect.gen(function*() {
      const text = [
        "kind: Workflow\nmetadata: {name: a}",
        "",
        "[{\"kind\": \"Workflow\"}, {\"kind\": \"WorkflowInstance\"}]",
        "kind: List\nitems:\n  - kind: WorkflowExecution"
      ].join("\n---\n")
      const docs = yield* Documents.parse("f.yaml", text)
      assert.deepStrictEqual(docs.map((d) => d.value.kind), ["Workflow", "Workflow", "WorkflowInstance", "WorkflowExecution"])
      assert.deepStrictEqual(docs.map((d) => d.source), ["f.yaml#1", "f.yaml#2", "f.yaml#3", "f.yaml#4"])
    }))

  it.effect("a syntax error names the file and the document", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Documents.parse("f.yaml", "kind: Workflow\n---\nkind: [unclosed"))
      assert.match(error.message, /^f\.yaml: document 2: /)
      const scalar = yield* Effect.flip(Documents.parse("f.yaml", "just a string"))
      assert.include(scalar.message, "must be an object")
    }))
})

describe("status --task", () => {
  const now = "2026-01-01T00:00:10.000Z"
  it("changes the named task, adds unknown ones, stamps start and end", () => {
    const tasks: ReadonlyArray<WorkflowExecution.TaskEntry> = [
      { taskId: "a", taskName: "a", status: "WORKFLOW_TASK_PENDING" },
      { taskId: "b", taskName: "b", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: "2026-01-01T00:00:00.000Z" }
    ]
    const merged = mergeTasks(tasks, [
      { name: "a", status: "WORKFLOW_TASK_IN_PROGRESS" },
      { name: "b", status: "WORKFLOW_TASK_COMPLETED" },
      { name: "c", status: "WORKFLOW_TASK_SKIPPED" }
    ], now)
    assert.deepStrictEqual(merged, [
      { taskId: "a", taskName: "a", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: now, completedAt: undefined },
      {
        taskId: "b",
        taskName: "b",
        status: "WORKFLOW_TASK_COMPLETED",
        startedAt: "2026-01-01T00:00:00.000Z",
        completedAt: now
      },
      { taskId: "c", taskName: "c", status: "WORKFLOW_TASK_SKIPPED", startedAt: undefined, completedAt: now }
    ])
  })
})

describe("status --task names", () => {
  it("names at any depth of the workflow, and names already in the execution's list, are known", () => {
    const tasks = [
      { name: "fetch", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { method: "GET", endpoint: { uri: "x" } } },
      {
        name: "loop",
        kind: "WORKFLOW_TASK_KIND_FOR",
        taskConfig: { in: "${ .items }", do: [{ name: "notify", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: {} }] }
      }
    ]
    assert.deepStrictEqual([...taskNames(tasks)].sort(), ["fetch", "loop", "notify"])
    assert.deepStrictEqual(
      unknownTasks(
        [{ name: "fetch" }, { name: "notify" }, { name: "loop/0/notify" }, { name: "typo" }],
        [{ taskId: "loop/0/notify", taskName: "notify" }],
        taskNames(tasks)
      ),
      ["typo"]
    )
  })
})

describe("tables", () => {
  it("cells longer than 40 characters end with an ellipsis; referenced ids show as slugs", () => {
    assert.strictEqual(Output.truncate("short"), "short")
    const long = "a-very-long-slug-that-goes-on-and-on-and-on-forever"
    assert.strictEqual(Output.truncate(long), `${long.slice(0, 39)}…`)
    assert.strictEqual([...Output.truncate(long)].length, 40)
    const text = Output.table(["SLUG", "AGE"], [[long, "1s"], ["b", "2s"]])
    assert.deepStrictEqual(text.split("\n"), [
      `SLUG${" ".repeat(36)}   AGE`,
      `${long.slice(0, 39)}…   1s`,
      `b${" ".repeat(39)}   2s`
    ])
  })
})

const execution = (status: Partial<WorkflowExecution.WorkflowExecution["status"]>): WorkflowExecution.WorkflowExecution => {
  const audit = {
    createdBy: { id: "system" },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedBy: { id: "system" },
    updatedAt: "2026-01-01T00:00:00.000Z",
    event: "created"
  }
  return {
    apiVersion: "agentic.stigmer.ai/v1",
    kind: "WorkflowExecution",
    metadata: { id: "wex-01j0000000000000000000000z", name: "run-1", slug: "run-1", version: 3 },
    spec: { workflowId: "wfl-01j0000000000000000000000z" },
    status: { audit: { specAudit: audit, statusAudit: audit }, ...status }
  }
}

describe("watch view", () => {
  const now = Date.parse("2026-01-01T00:00:30.000Z")
  it("the phase with its elapsed time, each task with its status and time", () => {
    const event: WatchEvent.WatchEvent = {
      _tag: "Execution",
      version: 3,
      execution: execution({
        phase: "EXECUTION_IN_PROGRESS",
        startedAt: "2026-01-01T00:00:10.000Z",
        tasks: [
          {
            taskName: "validate_email",
            status: "WORKFLOW_TASK_COMPLETED",
            startedAt: "2026-01-01T00:00:10.000Z",
            completedAt: "2026-01-01T00:00:12.500Z"
          },
          { taskName: "create_account", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: "2026-01-01T00:00:12.500Z" },
          { taskName: "send_welcome", status: "WORKFLOW_TASK_PENDING" }
        ]
      })
    }
    assert.deepStrictEqual(WatchView.lines(event, now), [
      "[v3] IN_PROGRESS  20.0s",
      "  TASK             STATUS        ELAPSED",
      "  validate_email   COMPLETED     2.5s",
      "  create_account   IN_PROGRESS   17.5s",
      "  send_welcome     PENDING"
    ])
    assert.strictEqual(WatchView.exitCode(event), 1)
  })

  it("the final line and the exit code", () => {
    const completed: WatchEvent.WatchEvent = {
      _tag: "Execution",
      version: 4,
      execution: execution({
        phase: "EXECUTION_COMPLETED",
        startedAt: "2026-01-01T00:00:10.000Z",
        completedAt: "2026-01-01T00:01:15.000Z"
      })
    }
    assert.strictEqual(WatchView.finalLine(completed), "workflowexecution/run-1 COMPLETED in 1m05s")
    assert.strictEqual(WatchView.exitCode(completed), 0)
    const failed: WatchEvent.WatchEvent = {
      _tag: "Execution",
      version: 4,
      execution: execution({
        phase: "EXECUTION_FAILED",
        startedAt: "2026-01-01T00:00:10.000Z",
        completedAt: "2026-01-01T00:00:11.000Z",
        error: "boom"
      })
    }
    assert.strictEqual(WatchView.finalLine(failed), "workflowexecution/run-1 FAILED in 1.0s: boom")
    assert.strictEqual(WatchView.exitCode(failed), 1)
    const deleted: WatchEvent.WatchEvent = { _tag: "Deleted", execution: execution({ phase: "EXECUTION_PENDING" }) }
    assert.strictEqual(WatchView.finalLine(deleted), "workflowexecution/run-1 deleted")
    assert.strictEqual(WatchView.exitCode(deleted), 1)
  })

  it("durations and ages", () => {
    assert.strictEqual(Output.duration(850), "850ms")
    assert.strictEqual(Output.duration(4200), "4.2s")
    assert.strictEqual(Output.duration(185_000), "3m05s")
    assert.strictEqual(Output.duration(7_800_000), "2h10m")
    assert.strictEqual(Output.age("2026-01-01T00:00:00.000Z", Date.parse("2026-01-03T00:00:00.000Z")), "2d")
  })
})

describe("list view", () => {
  const run = (id: string, phase: WorkflowExecution.ExecutionPhase) => {
    const base = execution({ phase })
    return { ...base, metadata: { ...base.metadata, id, slug: id } }
  }
  const change = (id: string, phase: WorkflowExecution.ExecutionPhase): FeedEvent.Execution => ({
    _tag: "Execution",
    seq: 1,
    execution: run(id, phase)
  })
  const deletion = (id: string, phase: WorkflowExecution.ExecutionPhase): FeedEvent.Deleted => ({
    _tag: "Deleted",
    seq: 2,
    execution: run(id, phase)
  })

  it("a change puts its run in or takes it out as its phase matches; a deletion takes it out", () => {
    const rows = new Map<string, WorkflowExecution.WorkflowExecution>()
    const pending: ReadonlyArray<WorkflowExecution.ExecutionPhase> = ["EXECUTION_PENDING"]
    assert.isTrue(ListView.apply(rows, change("wex-a", "EXECUTION_PENDING"), pending))
    assert.isTrue(ListView.apply(rows, change("wex-b", "EXECUTION_PENDING"), pending))
    assert.isFalse(ListView.apply(rows, change("wex-a", "EXECUTION_IN_PROGRESS"), pending), "left the phases")
    assert.deepStrictEqual([...rows.keys()], ["wex-b"])
    assert.isFalse(ListView.apply(rows, deletion("wex-a", "EXECUTION_IN_PROGRESS"), pending), "not shown, not in the phases")
    assert.isTrue(ListView.apply(rows, deletion("wex-b", "EXECUTION_PENDING"), pending))
    assert.strictEqual(rows.size, 0)
    assert.isTrue(ListView.apply(rows, change("wex-c", "EXECUTION_FAILED"), []), "no phases: every run")
  })

  it("the newest runs first, at most the limit; a deletion's row says DELETED", () => {
    const rows = new Map([["wex-01a", run("wex-01a", "EXECUTION_PENDING")], ["wex-01c", run("wex-01c", "EXECUTION_PENDING")], [
      "wex-01b",
      run("wex-01b", "EXECUTION_PENDING")
    ]])
    assert.deepStrictEqual(ListView.newest(rows, 2).map((e) => e.metadata.id), ["wex-01c", "wex-01b"])
    const cells = ListView.changeRow(deletion("wex-01a", "EXECUTION_COMPLETED"), Date.now(), new Map())
    assert.deepStrictEqual(cells.slice(0, 3), ["wex-01a", "wex-01a", "DELETED"])
  })
})

describe("error lines", () => {
  it("canonical errors keep their code; transport failures say what happened", () => {
    assert.strictEqual(
      describeError({ _tag: "NotFound", code: "NOT_FOUND", message: "Workflow not found: x" }),
      "NOT_FOUND: Workflow not found: x"
    )
    assert.strictEqual(
      describeError({
        _tag: "RequestError",
        request: { url: "http://127.0.0.1:9/v1/workflows" },
        cause: { cause: { code: "ECONNREFUSED" } },
        message: "Transport error"
      }),
      "UNAVAILABLE: cannot reach the weft server at http://127.0.0.1:9 (ECONNREFUSED)"
    )
  })
})
