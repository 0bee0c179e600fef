/**
 * First render of the web console's runs page with many executions stored: the time from
 * navigation to the first page of rows (50) in the table, in headless Chromium, cold
 * (a new browser context: empty cache) and warm (reloads with the hashed assets cached),
 * next to the time of the list request the page makes, and the size of what it loads.
 *
 *   pnpm --filter @weft/bench console-render                  # 10 000 executions, 5 loads each
 *   pnpm --filter @weft/bench console-render --executions 2000 --repeat 9
 *
 * The server is the bundle `pnpm start` runs, on a temporary SQLite file; executions are
 * created through the API. Needs Chromium (`apt-get install -y chromium`, or WEFT_CHROMIUM).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { chromiumPath, launch } from "@weft/console/browser"
import type { Browser } from "@weft/console/browser"
import { precreate, setup, type Target } from "./api.js"
import { BenchError, installCleanup, makeTempDir, repoRoot, runMain, startWeft } from "./processes.js"

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    executions: { type: "string", default: "10000" },
    repeat: { type: "string", default: "5" },
    help: { type: "boolean", default: false }
  }
})

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const ms = (x: number) => `${x.toFixed(0)} ms`
const summary = (xs: ReadonlyArray<number>) => `${ms(median(xs))} (min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))})`

/**
 * Runs in the page before its own script: records when the runs table first holds
 * `rows` rows, in ms since navigation start (`window.__firstRows`).
 */
const observeRows = (rows: number) => `
  (() => {
    const check = () => {
      if (window.__firstRows === undefined && document.querySelectorAll("table.runs tbody tr").length >= ${rows}) {
        window.__firstRows = performance.now()
        observer.disconnect()
      }
    }
    const observer = new MutationObserver(check)
    document.addEventListener("DOMContentLoaded", () => {
      observer.observe(document.body, { childList: true, subtree: true })
      check()
    })
  })()`

const main = async () => {
  if (values.help) {
    process.stdout.write("console-render [--executions N] [--repeat R]\n")
    return
  }
  const executions = Number(values.executions)
  const repeat = Number(values.repeat)
  if (!Number.isInteger(executions) || executions < 50) throw new BenchError("--executions must be an integer ≥ 50")
  if (!Number.isInteger(repeat) || repeat < 1) throw new BenchError("--repeat must be a positive integer")
  if (!fs.existsSync(chromiumPath)) {
    throw new BenchError(`no Chromium at ${chromiumPath}: apt-get install -y chromium, or set WEFT_CHROMIUM`)
  }
  installCleanup()
  execFileSync(process.execPath, ["apps/console/build.mjs"], { cwd: repoRoot, stdio: "inherit" })
  const dir = makeTempDir("weft-console-bench-")
  const server = await startWeft(path.join(dir, "weft.db"))
  const target: Target = { name: "weft", server }
  const { instanceId } = await setup(target)
  const began = performance.now()
  await precreate(target, instanceId, executions, 16, 900)
  process.stderr.write(`created ${executions} executions in ${((performance.now() - began) / 1000).toFixed(1)} s\n`)

  const listTimes: Array<number> = []
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    const response = await fetch(`${server.url}/v1/workflow-executions?pageSize=50`)
    const page = await response.json() as { entries: Array<unknown> }
    if (page.entries.length !== 50) throw new BenchError(`the list returned ${page.entries.length} rows, not 50`)
    listTimes.push(performance.now() - start)
  }

  // Each cold load in a new browser with a fresh profile: nothing cached.
  const cold: Array<number> = []
  const warm: Array<number> = []
  let transferred = 0
  let version = ""
  const firstRows = async (page: Browser["page"]) => {
    // Functions, not strings: the console's CSP forbids evaluating strings.
    await page.waitForFunction(() => (globalThis as { __firstRows?: number }).__firstRows !== undefined, undefined, {
      timeout: 60_000,
      polling: 50
    }).catch(async (error) => {
      const text = await page.locator("main").innerText().catch(() => "(no page)")
      throw new BenchError(`the runs page showed no 50 rows within 60 s (${(error as Error).message}); it shows:\n${text.slice(0, 1500)}`)
    })
    return page.evaluate(() => (globalThis as { __firstRows?: number }).__firstRows!)
  }
  try {
    for (let i = 0; i < repeat; i++) {
      const browser = await launch()
      try {
        version = browser.context.browser()?.version() ?? version
        await browser.context.addInitScript({ content: observeRows(50) })
        const { page } = browser
        if (i === 0) {
          page.on("requestfinished", async (request) => {
            const route = new URL(request.url()).pathname
            if (route !== "/runs" && !route.startsWith("/assets/")) return
            const sizes = await request.sizes()
            transferred += sizes.responseBodySize + sizes.responseHeadersSize
          })
        }
        await page.goto(`${server.url}/runs`, { waitUntil: "commit" })
        cold.push(await firstRows(page))
        for (let j = 0; j < 2; j++) {
          await page.reload({ waitUntil: "commit" })
          warm.push(await firstRows(page))
        }
      } finally {
        await browser.close()
      }
    }
  } finally {
    await server.stop()
  }

  const assets = fs.readdirSync(path.join(repoRoot, "apps/console/dist/assets"))
    .filter((file) => !file.endsWith(".map"))
    .map((file) => `${file} ${(fs.statSync(path.join(repoRoot, "apps/console/dist/assets", file)).size / 1024).toFixed(1)} KiB`)
  process.stdout.write(
    [
      ``,
      `console: first render of /runs with ${executions} executions stored (Chromium ${version || chromiumPath}, ${repeat} cold loads, ${warm.length} warm)`,
      `  first page of rows (50), cold cache   ${summary(cold)}`,
      `  first page of rows (50), warm cache   ${summary(warm)}`,
      `  GET /v1/workflow-executions?pageSize=50 alone   ${summary(listTimes)}`,
      `  page + assets transferred, cold (compressed, with headers)   ${(transferred / 1024).toFixed(1)} KiB`,
      `  built assets: ${assets.join(", ")}`,
      ``
    ].join("\n")
  )
}

runMain("console-render", main)
