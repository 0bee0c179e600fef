import { describe, expect, it } from "vitest"
import type { TaskDef } from "../src/api/types.js"
import { entryMatches, layout, nodeStates } from "../src/lib/graph.js"
import { fulfilment, fulfilmentProgress } from "./support/fixtures.js"

const tasks = fulfilment.spec.tasks as unknown as ReadonlyArray<TaskDef>

describe("graph layout", () => {
  const graph = layout(tasks)
  const node = (key: string) => {
    const found = graph.nodes.find((n) => n.key === key)
    if (found === undefined) throw new Error(`no node ${key}`)
    return found
  }

  it("has a node for every task at every depth, keyed by its path (FORK branches included)", () => {
    expect(graph.nodes.map((n) => n.key).sort()).toEqual(
      [
        "validate",
        "route",
        "reserve",
        "reserve/hold",
        "notify",
        "notify/email/send-email",
        "notify/sms/send-sms",
        "approve",
        "ship",
        "ship/label",
        "ship/manual-label",
        "done"
      ].sort()
    )
    expect(node("reserve").composite).toBe(true)
    expect(node("done").stop).toBe("end")
  })

  it("places a list top to bottom and nested tasks inside their composite, branches side by side", () => {
    const top = ["validate", "route", "reserve", "notify", "approve", "ship", "done"].map(node)
    for (let i = 1; i < top.length; i++) expect(top[i].y).toBeGreaterThanOrEqual(top[i - 1].y + top[i - 1].h)
    const inside = (inner: string, outer: string) => {
      const a = node(inner)
      const b = node(outer)
      expect(a.x).toBeGreaterThanOrEqual(b.x)
      expect(a.y).toBeGreaterThan(b.y)
      expect(a.x + a.w).toBeLessThanOrEqual(b.x + b.w)
      expect(a.y + a.h).toBeLessThanOrEqual(b.y + b.h)
    }
    inside("reserve/hold", "reserve")
    inside("notify/email/send-email", "notify")
    inside("notify/sms/send-sms", "notify")
    inside("ship/label", "ship")
    inside("ship/manual-label", "ship")
    expect(node("notify/email/send-email").y).toBe(node("notify/sms/send-sms").y)
    expect(node("notify/email/send-email").x + node("notify/email/send-email").w).toBeLessThan(node("notify/sms/send-sms").x)
    for (const n of graph.nodes) {
      expect(n.x + n.w).toBeLessThanOrEqual(graph.width)
      expect(n.y + n.h).toBeLessThanOrEqual(graph.height)
    }
  })

  it("draws the next task as a straight arrow, SWITCH cases and their fallback as labelled jumps", () => {
    const edges = graph.edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.label ?? ""}`)
    expect(edges).toContain("validate>route:next:")
    expect(edges).toContain("route>ship:jump:express")
    expect(edges).toContain("route>reserve:jump:otherwise")
    expect(edges).toContain("ship>done:next:")
    // `done` ends the run: nothing leaves it.
    expect(graph.edges.filter((e) => e.from === "done")).toEqual([])
    expect(edges).not.toContain("route>reserve:next:")
  })

  it("draws a backward flow.then jump", () => {
    const loop: ReadonlyArray<TaskDef> = [
      { name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } },
      { name: "b", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 1 }, flow: { then: "a" } },
      { name: "c", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }
    ]
    const g = layout(loop)
    const jump = g.edges.find((e) => e.kind === "jump")!
    expect([jump.from, jump.to]).toEqual(["b", "a"])
    expect(jump.points[0][1]).toBeGreaterThan(jump.points[3][1])
    // b jumps away, so there is no arrow from b to c.
    expect(g.edges.filter((e) => e.from === "b").length).toBe(1)
  })
})

describe("node states", () => {
  it("matches entries by path: FOR indexes skipped, FORK branches kept, a top-level name only itself", () => {
    expect(entryMatches("reserve/2/hold", ["reserve", "hold"])).toBe(true)
    expect(entryMatches("notify/sms/send-sms", ["notify", "sms", "send-sms"])).toBe(true)
    expect(entryMatches("notify/sms/send-sms", ["notify", "email", "send-sms"])).toBe(false)
    expect(entryMatches("reserve", ["reserve"])).toBe(true)
    expect(entryMatches("reserve/0/hold", ["reserve"])).toBe(false)
    expect(entryMatches("hold", ["reserve", "hold"])).toBe(false)
  })

  it("gives each node the state of its entries: running first, then failed", () => {
    const graph = layout(tasks)
    const states = nodeStates(graph.nodes, fulfilmentProgress(Date.UTC(2026, 0, 1)).tasks as any)
    expect(states.get("reserve/hold")?.entries.length).toBe(3)
    expect(states.get("reserve/hold")?.status).toBe("WORKFLOW_TASK_COMPLETED")
    expect(states.get("approve")?.status).toBe("WORKFLOW_TASK_IN_PROGRESS")
    expect(states.get("ship")?.status).toBe("WORKFLOW_TASK_PENDING")
    expect(states.has("ship/label")).toBe(false)
    const mixed = nodeStates(graph.nodes, [
      { taskId: "reserve/0/hold", status: "WORKFLOW_TASK_COMPLETED" },
      { taskId: "reserve/1/hold", status: "WORKFLOW_TASK_FAILED" },
      { taskId: "reserve/2/hold", status: "WORKFLOW_TASK_IN_PROGRESS" }
    ])
    expect(mixed.get("reserve/hold")?.status).toBe("WORKFLOW_TASK_IN_PROGRESS")
  })
})
