/**
 * Acting on runs from the console: cancelling a run that waits on a LISTEN task.
 * (The server runs with `WEFT_RUNNER=none`; the run's progress is reported through the
 * status route, as a runner does.)
 */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const s = session({ WEFT_RUNNER: "none" })

describe("run actions", () => {
  it("cancels a waiting run after a confirmation, and the page follows it to CANCELLED", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.approval)
    const execution = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    const id = execution.metadata.id
    await s.server.api("PATCH", `/v1/workflow-executions/${id}/status`, {
      phase: "EXECUTION_IN_PROGRESS",
      tasks: [
        { taskId: "wait-for-go", taskName: "wait-for-go", taskType: "WORKFLOW_TASK_APPROVAL", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: new Date().toISOString() },
        { taskId: "after", taskName: "after", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_PENDING" }
      ]
    })
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${id}`)
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_IN_PROGRESS")
    await expect.poll(() => page.getByRole("button", { name: "Cancel run" }).isEnabled()).toBe(true)

    await page.getByRole("button", { name: "Cancel run" }).click()
    // Nothing happens before the confirmation.
    await page.getByRole("button", { name: "Keep running" }).click()
    expect((await s.server.api("GET", `/v1/workflow-executions/${id}`)).status.phase).toBe("EXECUTION_IN_PROGRESS")

    await page.getByRole("button", { name: "Cancel run" }).click()
    await page.getByRole("button", { name: "Yes, cancel run" }).click()
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_CANCELLED")
    await expect.poll(() => page.locator("#run-title + .badge").textContent()).toBe("Cancelled")
    expect((await s.server.api("GET", `/v1/workflow-executions/${id}`)).status.phase).toBe("EXECUTION_CANCELLED")
    await expect.poll(() => page.getByRole("button", { name: "Cancel run" }).isDisabled()).toBe(true)
    await expect.poll(() => page.locator("[data-live]").getAttribute("data-live")).toBe("ended")
  })

  it("says why cancelling failed: a run that ended meanwhile", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.approval)
    const execution = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    const id = execution.metadata.id
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${id}`)
    await expect.poll(() => page.getByRole("button", { name: "Cancel run" }).isEnabled()).toBe(true)
    await page.getByRole("button", { name: "Cancel run" }).click()
    // The run ends between the click and the confirmation: the server refuses with 409.
    await s.server.api("PATCH", `/v1/workflow-executions/${id}/status`, { phase: "EXECUTION_COMPLETED" })
    await page.getByRole("button", { name: "Yes, cancel run" }).click()
    await expect.poll(() => page.locator(".run-actions [role=alert]").textContent()).toContain("FAILED_PRECONDITION")
  })
})
