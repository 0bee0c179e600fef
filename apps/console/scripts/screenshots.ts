/**
 * Writes the README's pictures of the console (docs/console/*.png): a server on a
 * temporary database, a workflow with every kind of nesting, runs in each phase (their
 * progress reported through the status route), and headless Chromium.
 *
 *   pnpm --filter @weft/console screenshots
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { launch } from "../test/support/browser.js"
import build from "../test/support/build.js"
import * as F from "../test/support/fixtures.js"
import { repoRoot, start } from "../test/support/server.js"

const out = path.join(repoRoot, "docs/console")
fs.mkdirSync(out, { recursive: true })
build()
const server = await start({ WEFT_RUNNER: "none" })
try {
  const workflow = await server.api("POST", "/v1/workflows", F.fulfilment)
  await server.api("POST", "/v1/workflows", F.greeting)
  const runs: Array<any> = []
  for (let i = 0; i < 8; i++) {
    runs.push(await server.api("POST", "/v1/workflow-executions", F.run(workflow.metadata.id, { order: `A-10${40 + i}`, express: "no" }, { labels: { env: i % 3 === 0 ? "staging" : "prod" } })))
  }
  const patch = (i: number, status: unknown) => server.api("PATCH", `/v1/workflow-executions/${runs[i].metadata.id}/status`, status)
  const now = Date.now()
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString()
  await patch(0, { phase: "EXECUTION_COMPLETED", startedAt: at(-640), completedAt: at(-512), output: { shipped: true } })
  await patch(1, { phase: "EXECUTION_FAILED", startedAt: at(-420), completedAt: at(-418), error: "http: 502 Bad Gateway from http://127.0.0.1:9/labels" })
  await patch(2, { phase: "EXECUTION_COMPLETED", startedAt: at(-300), completedAt: at(-247), output: { shipped: true } })
  await patch(3, { phase: "EXECUTION_CANCELLED", startedAt: at(-200), completedAt: at(-150) })
  await patch(5, { phase: "EXECUTION_COMPLETED", startedAt: at(-90), completedAt: at(-31), output: { shipped: true } })
  await patch(6, { phase: "EXECUTION_IN_PROGRESS", startedAt: at(-20) })
  await patch(7, F.fulfilmentProgress(now - 6000))

  for (const scheme of ["light", "dark"] as const) {
    const browser = await launch({ colorScheme: scheme, width: 1280, height: 760 })
    const { page } = browser
    const suffix = scheme === "light" ? "" : "-dark"
    await page.goto(`${server.url}/runs`)
    await page.locator("table.runs tbody tr").nth(7).waitFor()
    await page.screenshot({ path: path.join(out, `runs${suffix}.png`) })
    await page.goto(`${server.url}/runs/${runs[7].metadata.id}`)
    await page.locator("svg.graph g[data-node='approve'][data-status]").waitFor()
    await page.locator("[data-task='reserve/1/hold']").click()
    await page.screenshot({ path: path.join(out, `run${suffix}.png`), fullPage: true })
    await page.goto(`${server.url}/workflows/${workflow.metadata.id}`)
    await page.locator("svg.graph").waitFor()
    await page.locator("table.runs tbody tr").nth(7).waitFor()
    await page.screenshot({ path: path.join(out, `workflow${suffix}.png`), fullPage: true })
    await browser.close()
  }
  process.stdout.write(`screenshots written to ${path.relative(process.cwd(), out)}\n`)
} finally {
  await server.stop()
}
