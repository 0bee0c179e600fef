/**
 * The `/docs` page in a browser (headless Chromium through playwright-core, on the
 * system's Chromium): with tokens configured, "Try it out" without authorizing is
 * answered 401; after **Authorize** with the API token the same call is 200, and the
 * status update, which needs the runner token, is 403. The page is the proof that the
 * security scheme in `/openapi.json` is usable, not only present.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { chromium, type Page } from "playwright-core"
import * as Auth from "../src/Auth.js"
import * as TestServer from "./support/TestServer.js"

const chromiumPath = process.env["WEFT_CHROMIUM"] ?? "/usr/bin/chromium"
const API_TOKEN = "docs-api-4b1d9e27c6a8-secret"
const RUNNER_TOKEN = "docs-runner-8e2f6a1c0b3d-secret"

const Server = TestServer.make().pipe(
  Layer.provide(Auth.layerTokens({ apiToken: API_TOKEN, runnerToken: RUNNER_TOKEN }))
)

const withBrowser = <A>(f: (page: Page) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), "weft-docs-"))
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
      })
      context.setDefaultTimeout(20_000)
      return { context, profile, page: context.pages()[0] ?? await context.newPage() }
    }),
    ({ page }) => Effect.promise(() => f(page)),
    ({ context, profile }) =>
      Effect.promise(async () => {
        await context.close()
        fs.rmSync(profile, { recursive: true, force: true })
      })
  )

/** Expands an operation, presses "Try it out" and "Execute"; answers the status shown. */
const tryIt = async (page: Page, method: string, route: string, fill?: (block: ReturnType<Page["locator"]>) => Promise<void>) => {
  const block = page.locator(`.opblock-${method}`).filter({
    has: page.locator(`.opblock-summary-path[data-path="${route}"]`)
  }).first()
  if (!(await block.locator(".opblock-body").isVisible())) await block.locator(".opblock-summary").first().click()
  const tryOut = block.locator("button.try-out__btn")
  if ((await tryOut.textContent())?.includes("Try it out")) await tryOut.click()
  if (fill !== undefined) await fill(block)
  await block.locator("button.execute").click()
  const status = block.locator(".live-responses-table .response .response-col_status").first()
  await status.waitFor()
  const text = (await status.textContent()) ?? ""
  await block.locator("button.btn-clear").click()
  return text.trim()
}

describe("/docs in a browser", () => {
  it.live("Authorize takes a bearer token that Try it out sends; roles are enforced", () =>
    Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      const statuses = yield* withBrowser(async (page) => {
        await page.goto(`${base}/docs`)
        await page.locator(".opblock").first().waitFor()
        const out: Record<string, string> = {}
        out.before = await tryIt(page, "get", "/v1/workflows")

        await page.locator("button.btn.authorize").first().click()
        const dialog = page.locator(".auth-container").filter({ hasText: "bearer" }).first()
        await dialog.locator("input").first().fill(API_TOKEN)
        await dialog.locator("button.authorize").click()
        await page.locator("button.btn-done").click()

        out.after = await tryIt(page, "get", "/v1/workflows")
        out.status = await tryIt(page, "patch", "/v1/workflow-executions/{id}/status", async (block) => {
          await block.locator("tr[data-param-name=\"id\"] input").fill("wex-00000000000000000000000000")
        })
        return out
      })
      assert.match(statuses.before, /^401/, "without a token")
      assert.match(statuses.after, /^200/, "with the API token")
      assert.match(statuses.status, /^403/, "a status update with the API token")
    }).pipe(Effect.provide(Server)), 120_000)
})
