/**
 * Workflows and instances in the console: the lists, a workflow's page (graph, document,
 * instances, runs) and starting a run from its form with input key/values and a message.
 */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const s = session({ WEFT_RUNNER: "none" })

describe("workflows", () => {
  it("lists workflows and instances, and shows a workflow's graph, document, instances and runs", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.fulfilment)
    const instance = await s.server.api("POST", "/v1/workflow-instances", {
      metadata: { name: "acme-eu", org: "acme", ownerScope: "organization" },
      spec: { workflowId: workflow.metadata.id, description: "Europe" }
    })
    const { page } = s.browser
    await page.goto(`${s.server.url}/workflows`)
    await page.getByRole("link", { name: "Order fulfilment" }).click()
    await page.waitForURL(`**/workflows/${workflow.metadata.id}`)
    await expect.poll(() => page.locator("svg.graph g[data-node]").count()).toBe(12)
    await expect.poll(() => page.getByLabel("Document as YAML").textContent()).toContain("name: Order fulfilment")
    await page.getByRole("tab", { name: "JSON" }).click()
    await expect.poll(() => page.getByLabel("Document as JSON").textContent()).toContain(`"slug": "order-fulfilment"`)
    await expect.poll(() => page.getByRole("table", { name: "Instances" }).locator("tbody tr").count()).toBe(2)

    // A run started elsewhere appears in the workflow's runs without a reload.
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    await expect.poll(() => page.locator(`table.runs tr[data-id="${run.metadata.id}"]`).count()).toBe(1)

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Instances" }).click()
    await page.getByRole("link", { name: "acme-eu" }).click()
    await page.waitForURL(`**/instances/${instance.metadata.id}`)
    await expect.poll(() => page.locator("#instance-title").textContent()).toBe("acme-eu")
    await expect.poll(() => page.locator("svg.graph g[data-node]").count()).toBe(12)
  })

  it("starts a run from the form with input key/values and a message, on the chosen instance", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.greeting)
    const instance = await s.server.api("POST", "/v1/workflow-instances", {
      metadata: { name: "greeting-eu", org: "acme", ownerScope: "organization" },
      spec: { workflowId: workflow.metadata.id }
    })
    const { page } = s.browser
    await page.goto(`${s.server.url}/workflows/${workflow.metadata.id}`)
    await page.getByRole("button", { name: "Start a run" }).click()
    const form = page.getByRole("form", { name: "Start a run" })
    await expect.poll(() => form.getByLabel("Instance").locator("option").count()).toBe(3)
    await form.getByLabel("Instance").selectOption({ label: "greeting-eu" })
    await form.getByLabel("Input key 1").fill("name")
    await form.getByLabel("Input value 1").fill("Ada")
    await form.getByRole("button", { name: "+ Add input" }).click()
    await form.getByLabel("Input key 2").fill("name")
    await form.getByLabel("Input value 2").fill("twice")
    await form.getByRole("button", { name: "Start run" }).click()
    await expect.poll(() => form.getByRole("alert").textContent()).toBe(`input key "name" is given twice`)

    await form.getByLabel("Input key 2").fill("lang")
    await form.getByLabel("Input value 2").fill("en")
    await form.getByLabel("Message").fill("hello from the console")
    await form.getByRole("button", { name: "Start run" }).click()
    await page.waitForURL(/\/runs\/wex-[0-9a-z]{26}$/)
    const id = new URL(page.url()).pathname.split("/")[2]
    const run = await s.server.api("GET", `/v1/workflow-executions/${id}`)
    expect(run.spec.triggerMetadata).toEqual({ name: "Ada", lang: "en" })
    expect(run.spec.triggerMessage).toBe("hello from the console")
    expect(run.spec.workflowInstanceId).toBe(instance.metadata.id)
    expect(run.metadata.org).toBe("acme")
    await expect.poll(() => page.getByLabel("Trigger metadata").textContent()).toContain(`"lang": "en"`)
  })
})
