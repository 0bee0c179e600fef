import { describe, expect, it } from "vitest"
import type { Execution } from "../src/api/types.js"
import { timeline } from "../src/lib/timeline.js"
import { fulfilmentProgress } from "./support/fixtures.js"

const base = Date.UTC(2026, 0, 1, 12)
const execution = (status: Record<string, unknown>): Execution => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowExecution",
  metadata: { id: "wex-1", name: "x", slug: "x", version: 3 },
  spec: {},
  status: status as Execution["status"]
})

describe("timeline", () => {
  const now = base + 10_000
  const { rows, span, start } = timeline(execution(fulfilmentProgress(base)), now)

  it("puts nested entries under their parent, by start, indented; top-level ones in the run's order", () => {
    expect(rows.map((r) => `${"  ".repeat(r.depth)}${r.label}`)).toEqual([
      "validate",
      "route",
      "reserve",
      "  0 / hold",
      "  1 / hold",
      "  2 / hold",
      "notify",
      "  email / send-email",
      "  sms / send-sms",
      "approve",
      "ship",
      "done"
    ])
  })

  it("scales bars from the run's start to now while it runs", () => {
    expect(start).toBe(base)
    expect(span).toBe(10_000)
    const reserve = rows.find((r) => r.id === "reserve")!
    expect(reserve.offset).toBeCloseTo(0.03)
    expect(reserve.width).toBeCloseTo(0.21)
    const approve = rows.find((r) => r.id === "approve")!
    // Running: its bar reaches now.
    expect(approve.offset! + approve.width!).toBeCloseTo(1)
    const ship = rows.find((r) => r.id === "ship")!
    expect(ship.offset).toBeUndefined()
  })

  it("ends the scale at the run's end once it ended", () => {
    const done = timeline(
      execution({ ...fulfilmentProgress(base), phase: "EXECUTION_FAILED", completedAt: new Date(base + 4000).toISOString() }),
      base + 60_000
    )
    expect(done.span).toBe(4000)
    const approve = done.rows.find((r) => r.id === "approve")!
    expect(approve.offset! + approve.width!).toBeCloseTo(1)
  })

  it("has no rows and no scale for a run that reported nothing", () => {
    expect(timeline(execution({ phase: "EXECUTION_PENDING" }), now)).toEqual({ rows: [], start: undefined, span: 0 })
  })
})
