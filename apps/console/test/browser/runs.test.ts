/**
 * The console in a real browser against a real server process: the runs list shows runs
 * created through the API and follows their phases without a reload, and a run's page
 * follows its watch stream (phase, task timeline, graph states). Progress is reported
 * through the status route, as a runner does (the server runs with `WEFT_RUNNER=none`).
 */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const s = session({ WEFT_RUNNER: "none" })

const row = (id: string) => s.browser.page.locator(`table.runs tbody tr[data-id="${id}"]`)

describe("runs list", () => {
  it("shows a run created through the API and follows its phase live", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.fulfilment)
    const first = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id, { order: "A-1" }))
    const { page } = s.browser
    const watches = new Set<string>()
    page.on("request", (request) => {
      const match = /\/v1\/workflow-executions\/(wex-[0-9a-z]+)\/watch$/.exec(new URL(request.url()).pathname)
      if (match !== null) watches.add(match[1])
    })
    await page.goto(`${s.server.url}/`)
    await expect.poll(() => row(first.metadata.id).getAttribute("data-phase")).toBe("EXECUTION_PENDING")
    // Live through the feed of every change; on a server without it (404), by polling,
    // with the unfinished rows followed through their own watch streams.
    await expect.poll(() => page.locator("[data-live]").getAttribute("data-live")).toMatch(/^(live|polling)$/)
    const mode = await page.locator("[data-live]").getAttribute("data-live")
    if (mode === "polling") await expect.poll(() => watches.has(first.metadata.id)).toBe(true)
    else expect(watches.size).toBe(0)
    await expect.poll(() => row(first.metadata.id).locator(".badge").textContent()).toBe("Pending")
    await expect.poll(() => row(first.metadata.id).locator("td").nth(2).textContent()).toBe("Order fulfilment")

    // A new run appears at the top, and phases change, without a reload.
    const marker = await page.evaluate(() => ((window as any).__kept = Math.random()))
    const second = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id, { order: "A-2" }))
    await expect.poll(() => page.locator("table.runs tbody tr").first().getAttribute("data-id")).toBe(second.metadata.id)
    await s.server.api("PATCH", `/v1/workflow-executions/${first.metadata.id}/status`, { phase: "EXECUTION_IN_PROGRESS" })
    await expect.poll(() => row(first.metadata.id).getAttribute("data-phase")).toBe("EXECUTION_IN_PROGRESS")
    await s.server.api("PATCH", `/v1/workflow-executions/${first.metadata.id}/status`, { phase: "EXECUTION_FAILED", error: "http: 502" })
    await expect.poll(() => row(first.metadata.id).locator(".badge").textContent()).toBe("Failed")
    expect(await page.evaluate(() => (window as any).__kept)).toBe(marker)
  })

  it("filters by phase through the URL, and pages with the next page token", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.greeting)
    const ids: Array<string> = []
    for (let i = 0; i < 55; i++) {
      ids.push((await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id, { n: String(i) }))).metadata.id)
    }
    await s.server.api("PATCH", `/v1/workflow-executions/${ids[3]}/status`, { phase: "EXECUTION_COMPLETED" })
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    await expect.poll(() => page.locator("table.runs tbody tr").count()).toBe(50)
    expect(await page.locator("table.runs tbody tr").first().getAttribute("data-id")).toBe(ids[54])
    await page.getByRole("button", { name: "Load more" }).click()
    await expect.poll(() => page.locator("table.runs tbody tr").count()).toBe(55)
    await expect(page.getByRole("button", { name: "Load more" }).count()).resolves.toBe(0)

    await page.getByLabel("Completed").check()
    await expect.poll(() => page.locator("table.runs tbody tr").count()).toBe(1)
    expect(await page.locator("table.runs tbody tr").first().getAttribute("data-id")).toBe(ids[3])
    expect(new URL(page.url()).searchParams.getAll("phase")).toEqual(["EXECUTION_COMPLETED"])
    // The filter is in the URL: a reload keeps it.
    await page.reload()
    await expect.poll(() => page.locator("table.runs tbody tr").count()).toBe(1)
    expect(await page.getByLabel("Completed").isChecked()).toBe(true)
  })
})

describe("a run", () => {
  it("follows the run's watch: phase, task timeline, graph states, output", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.fulfilment)
    const execution = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id, { order: "A-7", express: "no" }))
    const id = execution.metadata.id
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${id}`)
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_PENDING")
    await expect.poll(() => page.getByLabel("Trigger metadata").textContent()).toContain(`"order": "A-7"`)
    await expect.poll(() => page.locator("svg.graph g[data-node='reserve/hold']").count()).toBe(1)

    await s.server.api("PATCH", `/v1/workflow-executions/${id}/status`, F.fulfilmentProgress(Date.now() - 5000))
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_IN_PROGRESS")
    const timeline = page.getByRole("group", { name: "Task timeline" })
    await expect.poll(() => timeline.locator("[data-task]").count()).toBe(12)
    expect(await timeline.locator("[data-task='reserve/2/hold']").getAttribute("data-status")).toBe("WORKFLOW_TASK_COMPLETED")
    expect(await page.locator("svg.graph g[data-node='approve']").getAttribute("data-status")).toBe("WORKFLOW_TASK_IN_PROGRESS")
    expect(await page.locator("svg.graph g[data-node='reserve/hold']").textContent()).toContain("×3")
    // Nested entries are indented under their parent.
    const indent = (task: string) => timeline.locator(`[data-task='${task}'] .tl-name`).evaluate((e) => parseFloat(getComputedStyle(e).paddingLeft))
    expect(await indent("reserve/1/hold")).toBeGreaterThan(await indent("reserve"))

    // A task's input and output, from the timeline and from the graph.
    await timeline.locator("[data-task='reserve/1/hold']").click()
    await expect.poll(() => page.getByLabel("Output of reserve/1/hold").textContent()).toContain(`"held": "lamp"`)
    await page.locator("svg.graph g[data-node='validate']").click()
    await expect.poll(() => page.getByLabel("Input of validate").textContent()).toContain(`"order": "A-1042"`)

    await s.server.api("PATCH", `/v1/workflow-executions/${id}/status`, {
      phase: "EXECUTION_COMPLETED",
      output: { shipped: true, tracking: "Z-9" }
    })
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_COMPLETED")
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain(`"tracking": "Z-9"`)
    await expect.poll(() => page.locator("[data-live]").getAttribute("data-live")).toBe("ended")
    expect(await page.getByRole("button", { name: "Cancel run" }).isDisabled()).toBe(true)
  })

  it("runs again with the same input", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.greeting)
    const first = await s.server.api("POST", "/v1/workflow-executions", {
      ...F.run(workflow.metadata.id, { name: "Ada" }, { labels: { env: "prod" } }),
      spec: { workflowId: workflow.metadata.id, triggerMetadata: { name: "Ada" }, triggerMessage: "hello" }
    })
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs/${first.metadata.id}`)
    await page.getByRole("button", { name: "Run again" }).click()
    await page.waitForURL((url) => url.pathname.startsWith("/runs/wex-") && !url.pathname.endsWith(first.metadata.id))
    const againId = new URL(page.url()).pathname.split("/")[2]
    const again = await s.server.api("GET", `/v1/workflow-executions/${againId}`)
    expect(again.spec.triggerMetadata).toEqual({ name: "Ada" })
    expect(again.spec.triggerMessage).toBe("hello")
    expect(again.spec.workflowInstanceId).toBe(first.spec.workflowInstanceId)
    expect(again.metadata.labels).toEqual({ env: "prod" })
    await expect.poll(() => page.locator("#run-title").textContent()).toBe(again.metadata.name)
  })
})
