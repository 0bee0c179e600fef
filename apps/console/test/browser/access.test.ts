/**
 * What every page owes a person: light or dark as the system says, every control named,
 * and the main paths reachable with the keyboard alone.
 */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const s = session({ WEFT_RUNNER: "none" })

/** Controls without an accessible name: no label, no aria-label(ledby), no text. */
const unnamed = () =>
  s.browser.page.locator("input, select, textarea, button, a[href], [role=button]").evaluateAll((elements) =>
    elements
      .filter((e) => {
        const labelled = ((e as HTMLInputElement).labels?.length ?? 0) > 0 || e.hasAttribute("aria-label") ||
          e.hasAttribute("aria-labelledby") || (e.textContent ?? "").trim() !== ""
        return !labelled
      })
      .map((e) => e.outerHTML.slice(0, 120))
  )

describe("access", () => {
  it("follows the system's light or dark setting", async () => {
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    const brightness = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0) / 3
    await page.emulateMedia({ colorScheme: "light" })
    expect(brightness(await background())).toBeGreaterThan(200)
    await page.emulateMedia({ colorScheme: "dark" })
    expect(brightness(await background())).toBeLessThan(50)
  })

  it("names every control on the runs, run and workflow pages", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.fulfilment)
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    await s.server.api("PATCH", `/v1/workflow-executions/${run.metadata.id}/status`, F.fulfilmentProgress(Date.now() - 4000))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    await page.locator("table.runs tbody tr").first().waitFor()
    expect(await unnamed()).toEqual([])
    await page.goto(`${s.server.url}/runs/${run.metadata.id}`)
    await page.locator("svg.graph g[data-status]").first().waitFor()
    expect(await unnamed()).toEqual([])
    await page.goto(`${s.server.url}/workflows/${workflow.metadata.id}`)
    await page.getByRole("button", { name: "Start a run" }).click()
    await page.getByRole("form", { name: "Start a run" }).waitFor()
    expect(await unnamed()).toEqual([])
  })

  it("reaches a run, a task's details and a graph node with the keyboard", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.fulfilment)
    const run = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id))
    await s.server.api("PATCH", `/v1/workflow-executions/${run.metadata.id}/status`, F.fulfilmentProgress(Date.now() - 4000))
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    await page.locator("table.runs tbody tr").first().waitFor()
    const focusUntil = async (matches: () => Promise<boolean>, limit = 60) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press("Tab")
        if (await matches()) return
      }
      throw new Error("not reached with Tab")
    }
    await focusUntil(() => page.evaluate((id) => document.activeElement?.getAttribute("href") === `/runs/${id}`, run.metadata.id))
    await page.keyboard.press("Enter")
    await page.waitForURL(`**/runs/${run.metadata.id}`)
    await page.locator("[data-task='validate']").waitFor()

    await focusUntil(() => page.evaluate(() => document.activeElement?.getAttribute("data-task") === "reserve/0/hold"))
    await page.keyboard.press("Enter")
    await expect.poll(() => page.getByLabel("Output of reserve/0/hold").textContent()).toContain(`"held": "book"`)

    await focusUntil(() => page.evaluate(() => document.activeElement?.getAttribute("data-node") === "notify/sms/send-sms"), 120)
    await page.keyboard.press("Enter")
    await expect.poll(() => page.getByLabel("Output of notify/sms/send-sms").textContent()).toContain(`"sms": true`)
  })
})
