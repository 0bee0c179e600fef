/**
 * Headless Chromium through playwright-core, on the system's Chromium (a browser download
 * of the test tool's own is not used), with a fresh profile per browser.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"

export const chromiumPath = process.env["WEFT_CHROMIUM"] ?? "/usr/bin/chromium"

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync"
]

export interface Browser {
  readonly context: BrowserContext
  readonly page: Page
  readonly close: () => Promise<void>
}

export const launch = async (options: { readonly colorScheme?: "light" | "dark"; readonly width?: number; readonly height?: number } = {}): Promise<Browser> => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "weft-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args,
    viewport: { width: options.width ?? 1360, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light"
  })
  context.setDefaultTimeout(20_000)
  const page = context.pages()[0] ?? await context.newPage()
  const errors: Array<string> = []
  page.on("pageerror", (error) => errors.push(String(error)))
  return {
    context,
    page,
    close: async () => {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
      if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join("\n")}`)
    }
  }
}
