import { assert, describe, it } from "@effect/vitest"
import { ResourceKind, ResourceTable } from "../src/index.js"
import { fake, type FakeExecution } from "./fixtures.js"

describe("ResourceTable.make", () => {
  it("turns the column getters into columns, with undefined read as null", () => {
    const t = ResourceTable.make<FakeExecution>(ResourceKind.WorkflowExecution, {
      phase: (r) => r.status.phase,
      note: (r) => r.spec.note
    })
    assert.strictEqual(t.kind, ResourceKind.WorkflowExecution)
    assert.deepStrictEqual(t.columns.map((c) => c.name), ["phase", "note"])
    const r = fake({ phase: "EXECUTION_FAILED" })
    assert.strictEqual(t.columns[0].get(r), "EXECUTION_FAILED")
    assert.isNull(t.columns[1].get(r))
  })

  it("has no extra columns by default", () => {
    assert.deepStrictEqual(ResourceTable.make(ResourceKind.Workflow).columns, [])
  })
})
