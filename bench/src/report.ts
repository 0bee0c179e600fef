/**
 * Plain-text tables and number formatting for the harness output.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { LoadResult } from "./load.js"

export const ms = (value: number | undefined): string => {
  if (value === undefined || Number.isNaN(value)) return "-"
  if (value < 10) return value.toFixed(2)
  if (value < 100) return value.toFixed(1)
  return value.toFixed(0)
}

export const rps = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? "-" : value >= 100 ? Math.round(value).toString() : value.toFixed(1)

export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? "-" : `${(a / b).toFixed(2)}`

/** Notes for a run: answers that were not 2xx, connection errors, timeouts. */
export const problems = (name: string, result: LoadResult | undefined): Array<string> => {
  if (result === undefined) return []
  const notes: Array<string> = []
  if (result.non2xx > 0) {
    const codes = Object.entries(result.statusCodes)
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, n]) => `${n}×${code}`)
      .join(" ")
    notes.push(`${name}: ${codes}`)
  }
  if (result.errors > 0) notes.push(`${name}: ${result.errors} errors${result.timeouts > 0 ? ` (${result.timeouts} timeouts)` : ""}`)
  if (result.ok === 0) notes.push(`${name}: no 2xx`)
  return notes
}

/** A column-aligned table; columns after the first `leftColumns` are right-aligned. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, leftColumns = 1): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (i < leftColumns || i === cells.length - 1 && headers[i] === "notes" ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd()
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

export const machine = (): string => {
  const cpus = os.cpus()
  const load = os.loadavg().map((l) => l.toFixed(1)).join(" ")
  return `node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${os.platform()} ${os.release()}, load avg ${load}`
}

/** Parses `1,16,64`; `10k`/`1m` suffixes allowed. */
export const numberList = (text: string, flag: string): Array<number> =>
  text.split(",").map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(part)
    if (match === null) throw new Error(`${flag}: "${part}" is not a number`)
    const n = Number(match[1]) * (match[2].toLowerCase() === "k" ? 1_000 : match[2].toLowerCase() === "m" ? 1_000_000 : 1)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: "${part}" must be positive`)
    return Math.round(n)
  })

export const positiveNumber = (text: string, flag: string): number => {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: "${text}" must be a positive number`)
  return n
}

/** The command-line arguments, without the `--` separators pnpm passes through. */
export const cliArgs = (): Array<string> => process.argv.slice(2).filter((arg) => arg !== "--")

/** `--json FILE`, relative to where the command was typed (pnpm runs scripts in bench/). */
export const jsonFile = (file: string): string => path.resolve(process.env.INIT_CWD ?? process.cwd(), file)

/** Writes `value` as JSON to the `--json` file and says so. */
export const writeJson = (file: string, value: unknown): void => {
  fs.writeFileSync(jsonFile(file), `${JSON.stringify(value, null, 2)}\n`)
  process.stderr.write(`wrote ${jsonFile(file)}\n`)
}

/** The flags of `pnpm bench`, `scale` and `retention` besides their own: `--json FILE`, `--keep`, `--help`. */
export const commonOptions = {
  json: { type: "string" },
  keep: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false }
} as const
