import { describe, expect, it } from "vitest"
import { fromOpenApi, minimal } from "../src/api/capabilities.js"
import type { Execution, Phase } from "../src/api/types.js"
import { matches, parseSelector } from "../src/lib/labels.js"
import { applyChange, clientFilters, fromSearch, invalid, matchesFilters, newestFirst, removeRun, toQuery, toSearch } from "../src/lib/runs.js"

const run = (n: number, phase: Phase = "EXECUTION_PENDING", extra: { labels?: Record<string, string>; org?: string; version?: number } = {}): Execution => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowExecution",
  metadata: { id: `wex-${String(n).padStart(4, "0")}`, name: `run-${n}`, slug: `run-${n}`, version: extra.version ?? 1, labels: extra.labels, org: extra.org },
  spec: { workflowId: "wfl-a", workflowInstanceId: "win-a" },
  status: { phase, audit: { specAudit: { createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() } } }
})

describe("label selectors", () => {
  it("parses k=v, k!=v, k, !k joined by commas, and names a bad part", () => {
    expect(parseSelector("env=prod, tier!=web,team,!draft")).toEqual([
      { op: "eq", key: "env", value: "prod" },
      { op: "neq", key: "tier", value: "web" },
      { op: "exists", key: "team" },
      { op: "absent", key: "draft" }
    ])
    expect(parseSelector("")).toEqual([])
    expect(parseSelector("env=prod,=x")).toMatch(/"=x"/)
    expect(parseSelector("env=pr od")).toMatch(/value/)
  })

  it("matches labels", () => {
    const selector = parseSelector("env=prod,!draft") as any
    expect(matches(selector, { env: "prod" })).toBe(true)
    expect(matches(selector, { env: "prod", draft: "" })).toBe(false)
    expect(matches(selector, { env: "dev" })).toBe(false)
    expect(matches(selector, undefined)).toBe(false)
    expect(matches(parseSelector("env!=prod") as any, undefined)).toBe(true)
  })
})

describe("run filters", () => {
  const search = new URLSearchParams("phase=EXECUTION_FAILED&phase=NOPE&phase=EXECUTION_PENDING&workflowId=wfl-a&org=acme&labelSelector=env%3Dprod&createdAfter=2026-01-01T00:00:05.000Z")
  const filters = fromSearch(search)

  it("travel in the URL (unknown phases dropped)", () => {
    expect(filters).toEqual({
      phases: ["EXECUTION_FAILED", "EXECUTION_PENDING"],
      workflowId: "wfl-a",
      org: "acme",
      labelSelector: "env=prod",
      createdAfter: "2026-01-01T00:00:05.000Z"
    })
    expect(fromSearch(new URLSearchParams(toSearch(filters)))).toEqual(filters)
  })

  it("are sent when the API takes them, and applied in the browser otherwise", () => {
    expect(toQuery(filters, minimal)).toEqual({ phase: ["EXECUTION_FAILED", "EXECUTION_PENDING"], workflowId: "wfl-a" })
    const local = clientFilters(filters, minimal)
    expect(local).toEqual({ phases: [], org: "acme", labelSelector: "env=prod", createdAfter: "2026-01-01T00:00:05.000Z" })
    const keep = matchesFilters(local)
    expect(keep(run(10, "EXECUTION_COMPLETED", { org: "acme", labels: { env: "prod" } }))).toBe(true)
    expect(keep(run(10, "EXECUTION_COMPLETED", { org: "other", labels: { env: "prod" } }))).toBe(false)
    expect(keep(run(10, "EXECUTION_COMPLETED", { org: "acme", labels: { env: "dev" } }))).toBe(false)
    expect(keep(run(3, "EXECUTION_COMPLETED", { org: "acme", labels: { env: "prod" } }))).toBe(false)
    const everything = fromOpenApi({
      paths: {
        "/v1/workflow-executions": {
          get: { parameters: ["phase", "workflowId", "org", "labelSelector", "createdAfter"].map((name) => ({ name, in: "query" })) }
        },
        "/v1/workflow-executions/{id}/cancel": { post: {} }
      }
    })
    expect(everything.cancel).toBe(true)
    expect(everything.signals).toBe(false)
    expect(clientFilters(filters, everything)).toEqual({ phases: [] })
    expect(toQuery(filters, everything)).toMatchObject({ org: "acme", labelSelector: "env=prod" })
  })

  it("name malformed selectors and dates", () => {
    expect(invalid(filters)).toBeUndefined()
    expect(invalid({ phases: [], labelSelector: "a=b=c d", createdBefore: "yesterday" })).toEqual({
      labelSelector: expect.any(String),
      createdBefore: "not a date and time"
    })
  })
})

describe("live changes to a loaded list", () => {
  const list = [run(9), run(7), run(5)]
  const all = () => true

  it("replace a run in place with a newer version, never an older one", () => {
    const next = applyChange(list, run(7, "EXECUTION_COMPLETED", { version: 2 }), all, false)
    expect(next.map((e) => e.status.phase)).toEqual(["EXECUTION_PENDING", "EXECUTION_COMPLETED", "EXECUTION_PENDING"])
    expect(applyChange(next, run(7, "EXECUTION_IN_PROGRESS", { version: 1 }), all, false)).toBe(next)
  })

  it("insert a new run where it sorts, inside the loaded window only", () => {
    expect(applyChange(list, run(10), all, false).map((e) => e.metadata.id)).toEqual(["wex-0010", "wex-0009", "wex-0007", "wex-0005"])
    expect(applyChange(list, run(6), all, false).map((e) => e.metadata.id)).toEqual(["wex-0009", "wex-0007", "wex-0006", "wex-0005"])
    // Older than every loaded row while more pages exist: it belongs to a later page.
    expect(applyChange(list, run(2), all, false)).toBe(list)
    expect(applyChange(list, run(2), all, true).map((e) => e.metadata.id)).toEqual(["wex-0009", "wex-0007", "wex-0005", "wex-0002"])
  })

  it("drop a run that stops matching, and a deleted one", () => {
    const failedOnly = (e: Execution) => e.status.phase === "EXECUTION_FAILED"
    expect(applyChange(list, run(7, "EXECUTION_COMPLETED", { version: 2 }), failedOnly, false).map((e) => e.metadata.id)).toEqual(["wex-0009", "wex-0005"])
    expect(applyChange(list, run(8, "EXECUTION_COMPLETED"), failedOnly, false)).toBe(list)
    expect(removeRun(list, "wex-0005").map((e) => e.metadata.id)).toEqual(["wex-0009", "wex-0007"])
  })

  it("newest first: by creation time, then id", () => {
    expect([run(1), run(3), run(2)].sort(newestFirst).map((e) => e.metadata.id)).toEqual(["wex-0003", "wex-0002", "wex-0001"])
  })
})
