/** A server with tokens: the console asks for one, keeps it for the tab, and works with it. */
import { describe, expect, it } from "vitest"
import * as F from "../support/fixtures.js"
import { session } from "../support/session.js"

const API_TOKEN = "console-api-token-5d1c9e"
const s = session({ WEFT_RUNNER: "none", WEFT_API_TOKEN: API_TOKEN, WEFT_RUNNER_TOKEN: "console-runner-token-77a0f2" })

describe("a server with tokens", () => {
  it("asks for a token, refuses a wrong one, works with the right one and forgets it on request", async () => {
    const workflow = await s.server.api("POST", "/v1/workflows", F.greeting, API_TOKEN)
    const execution = await s.server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id), API_TOKEN)
    const { page } = s.browser
    await page.goto(`${s.server.url}/runs`)
    const dialog = page.getByRole("dialog", { name: "API token" })
    await dialog.waitFor()
    expect(await page.locator("table.runs tbody tr").count()).toBe(0)

    await dialog.getByLabel("Token").fill("not-the-token")
    await dialog.getByRole("button", { name: "Use token" }).click()
    await expect.poll(() => dialog.getByRole("alert").textContent()).toContain("did not accept")

    await dialog.getByLabel("Token").fill(API_TOKEN)
    await dialog.getByRole("button", { name: "Use token" }).click()
    await expect.poll(() => page.locator(`table.runs tbody tr[data-id="${execution.metadata.id}"]`).count()).toBe(1)
    expect(await dialog.count()).toBe(0)
    expect(await page.evaluate(() => sessionStorage.getItem("weft.token"))).toBe(API_TOKEN)

    // The run's watch stream goes through fetch with the token too.
    await page.locator(`a[href="/runs/${execution.metadata.id}"]`).click()
    await expect.poll(() => page.locator("[data-live]").getAttribute("data-live")).toBe("live")
    await expect.poll(() => page.locator("section[data-phase]").getAttribute("data-phase")).toBe("EXECUTION_PENDING")

    await page.getByRole("button", { name: "Forget token" }).click()
    await dialog.waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem("weft.token"))).toBeNull()
  })
})
