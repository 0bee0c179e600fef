/**
 * With the engine on (the default): real runs, started through the API and from the
 * console's form, followed live to their end without a reload.
 */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const s = session({})

describe("with the engine", () => {
  it("the runs list shows a real run appear and follows it to COMPLETED", async () => {
    // Long enough to be seen running between two polls, on a server without the feed.
    const workflow = await s.server.api("POST", "/v1/workflows", F.pause(4))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    await page.getByText("No runs match.").waitFor()
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    const row = page.locator(`table.runs tbody tr[data-id="${run.metadata.id}"]`)
    await expect.poll(() => row.getAttribute("data-phase"), { timeout: 30_000 }).toBe("EXECUTION_IN_PROGRESS")
    await expect.poll(() => row.getAttribute("data-phase"), { timeout: 30_000 }).toBe("EXECUTION_COMPLETED")
    await expect.poll(() => row.locator(".badge").textContent()).toBe("Completed")
  })

  it("a run started from the form progresses to COMPLETED without a reload, with its output", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.greeting)
    const { page } = s.browser
    await page.goto(`${s.server.url}/workflows/${workflow.metadata.id}`)
    await page.getByRole("button", { name: "Start a run" }).click()
    const form = page.getByRole("form", { name: "Start a run" })
    await form.getByLabel("Input key 1").fill("name")
    await form.getByLabel("Input value 1").fill("Ada")
    const marker = await page.evaluate(() => ((window as any).__kept = Math.random()))
    await form.getByRole("button", { name: "Start run" }).click()
    await page.waitForURL(/\/runs\/wex-[0-9a-z]{26}$/)
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase"), { timeout: 30_000 })
      .toBe("EXECUTION_COMPLETED")
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain(`"greeting": "Hello, Ada"`)
    await expect.poll(() => page.locator("[data-task='greet']").getAttribute("data-status")).toBe("WORKFLOW_TASK_COMPLETED")
    await expect.poll(() => page.locator("svg.graph g[data-node='greet']").getAttribute("data-status"))
      .toBe("WORKFLOW_TASK_COMPLETED")
    expect(await page.evaluate(() => (window as any).__kept)).toBe(marker)
  })

  it("signals a run waiting on its LISTEN: the signal's data flows on and the run completes without a reload", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.approval)
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${run.metadata.id}`)
    await expect.poll(() => page.locator("[data-task='wait-for-go']").getAttribute("data-status"), { timeout: 30_000 })
      .toBe("WORKFLOW_TASK_IN_PROGRESS")
    await page.getByRole("button", { name: /^Send signal/ }).click()
    const form = page.getByRole("form", { name: "Send a signal" })
    await form.getByLabel("Signal id").fill("go")
    await form.getByLabel("Data (JSON)").fill(`{"by": "Ada"}`)
    await form.getByRole("button", { name: "Send" }).click()
    await expect.poll(() => page.getByRole("status").textContent()).toContain(`Signal "go" sent.`)
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase"), { timeout: 30_000 })
      .toBe("EXECUTION_COMPLETED")
    await expect.poll(() => page.locator("[data-task='wait-for-go']").getAttribute("data-status"))
      .toBe("WORKFLOW_TASK_COMPLETED")
    const output = await page.getByLabel("Run output").textContent()
    expect(output).toContain(`"by": "Ada"`)
    expect(output).toContain(`"approved": true`)
  })

  it("cancels a real run waiting on its timer", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.pause(600))
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${run.metadata.id}`)
    await expect.poll(() => page.locator("[data-task='nap']").getAttribute("data-status"), { timeout: 30_000 })
      .toBe("WORKFLOW_TASK_IN_PROGRESS")
    await page.getByRole("button", { name: "Cancel run" }).click()
    await page.getByRole("button", { name: "Yes, cancel run" }).click()
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase"), { timeout: 30_000 })
      .toBe("EXECUTION_CANCELLED")
    await expect.poll(() => page.locator("[data-task='after-nap']").getAttribute("data-status")).toBe("WORKFLOW_TASK_SKIPPED")
    await expect.poll(() => page.locator("[data-live]").getAttribute("data-live")).toBe("ended")
  })

  it("a RUN's task links to the child run it started, and the child's page links back to its parent", async () => {
    const listen = { name: "wait-for-go", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "go" }] } } }
    const body = (name: string, tasks: ReadonlyArray<unknown>) => ({
      metadata: { name, org: "acme", ownerScope: "organization" },
      spec: { document: { dsl: "1.0.0", namespace: "console", name: name.toLowerCase(), version: "1.0.0" }, tasks }
    })
    await s.server.api("POST", "/v1/workflows", body("Delegated", [listen]))
    const parent = await s.server.api("POST", "/v1/workflows", body("Delegator", [
      { name: "delegate", kind: "WORKFLOW_TASK_KIND_RUN", taskConfig: { workflow: "delegated" } }
    ]))
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(parent.metadata.id))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${run.metadata.id}`)
    const task = page.locator("[data-task='delegate']")
    await expect.poll(() => task.getAttribute("data-status"), { timeout: 30_000 }).toBe("WORKFLOW_TASK_IN_PROGRESS")
    await task.click()
    const detail = page.locator("section.task-detail")
    const child = detail.getByRole("link", { name: /^wex-[0-9a-z]{26}$/ })
    const childId = (await child.textContent())!
    await child.click()
    await page.waitForURL(`**/runs/${childId}`)
    const back = page.getByRole("link", { name: run.metadata.id })
    await back.waitFor()
    await s.server.api("POST", `/v1/workflow-executions/${childId}/signals`, { id: "go", data: { by: "Ada" } })
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase"), { timeout: 30_000 })
      .toBe("EXECUTION_COMPLETED")
    await back.click()
    await page.waitForURL(`**/runs/${run.metadata.id}`)
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase"), { timeout: 30_000 })
      .toBe("EXECUTION_COMPLETED")
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain(`"by": "Ada"`)
  })
})
