import { describe, expect, it } from "vitest"
import { highlight } from "../src/components/Json.js"
import { duration, phaseClass, phaseLabel } from "../src/lib/format.js"
import { startBody } from "../src/components/StartRunForm.js"
import { againBody } from "../src/pages/Run.js"

describe("format", () => {
  it("writes durations at a readable precision", () => {
    expect(duration(850)).toBe("850 ms")
    expect(duration(4200)).toBe("4.2 s")
    expect(duration(42_000)).toBe("42 s")
    expect(duration(184_000)).toBe("3 m 04 s")
    expect(duration(7_500_000)).toBe("2 h 05 m")
    expect(duration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h")
    expect(duration(-1)).toBe("–")
  })

  it("names phases", () => {
    expect(phaseLabel("EXECUTION_IN_PROGRESS")).toBe("In progress")
    expect(phaseClass("EXECUTION_IN_PROGRESS")).toBe("in-progress")
  })

  it("colours JSON by token without losing a character", () => {
    const text = JSON.stringify({ a: "x\"y", n: -1.5e3, t: true, z: null, list: [1, "two"] }, null, 2)
    const parts = highlight(text)
    const flat = parts.map((p) => typeof p === "string" ? p : String((p as any).props.children)).join("")
    expect(flat).toBe(text)
    const kinds = parts.filter((p) => typeof p !== "string").map((p: any) => p.props.class)
    expect(kinds).toContain("j-key")
    expect(kinds).toContain("j-number")
    expect(kinds).toContain("j-literal")
    expect(kinds).toContain("j-string")
  })
})

describe("request bodies", () => {
  const workflow = { metadata: { id: "wfl-1", name: "w", slug: "w", org: "acme" }, spec: {}, status: {} } as any
  const instance = { metadata: { id: "win-2", name: "i", slug: "i" }, spec: { workflowId: "wfl-1" }, status: {} } as any

  it("starting a run: input key/values, a message, the workflow's default instance or the one chosen", () => {
    expect(startBody(workflow, undefined, [{ key: " name ", value: "Ada" }, { key: "", value: "" }], "hi")).toEqual({
      body: {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: "wfl-1", triggerMetadata: { name: "Ada" }, triggerMessage: "hi" }
      }
    })
    expect(startBody({ ...workflow, metadata: { ...workflow.metadata, org: undefined } }, instance, [], " ")).toEqual({
      body: { metadata: { ownerScope: "identity_account" }, spec: { workflowInstanceId: "win-2" } }
    })
    expect(startBody(workflow, undefined, [{ key: "", value: "x" }], "")).toEqual({ error: "every input value needs a key" })
    expect(startBody(workflow, undefined, [{ key: "a", value: "1" }, { key: "a", value: "2" }], "")).toEqual({
      error: "input key \"a\" is given twice"
    })
  })

  it("running again: same instance, input, labels and org; secret values cannot be read back and are left out", () => {
    const execution = {
      metadata: { id: "wex-1", name: "r", slug: "r", org: "acme", ownerScope: "organization", labels: { env: "prod" } },
      spec: {
        workflowId: "wfl-1",
        workflowInstanceId: "win-2",
        triggerMetadata: { a: "1" },
        triggerMessage: "go",
        runtimeEnv: { PLAIN: { value: "v" }, SECRET: { isSecret: true } }
      },
      status: { phase: "EXECUTION_FAILED" }
    } as any
    expect(againBody(execution)).toEqual({
      metadata: { ownerScope: "organization", org: "acme", labels: { env: "prod" } },
      spec: { workflowInstanceId: "win-2", triggerMetadata: { a: "1" }, triggerMessage: "go", runtimeEnv: { PLAIN: { value: "v" } } }
    })
  })
})
