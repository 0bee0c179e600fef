/** A fresh server process and browser for each test of a file, stopped after it. */
import { afterEach, beforeEach } from "vitest"
import { type Browser, launch } from "./browser.js"
import { type Server, start } from "./server.js"

export interface Session {
  readonly server: Server
  readonly browser: Browser
}

export const session = (env: Record<string, string>): Session => {
  const current: { server?: Server; browser?: Browser } = {}
  beforeEach(async () => {
    current.server = await start(env)
    current.browser = await launch()
  })
  afterEach(async () => {
    try {
      await current.browser?.close()
    } finally {
      await current.server?.stop()
    }
  })
  return {
    get server() {
      return current.server!
    },
    get browser() {
      return current.browser!
    }
  }
}
