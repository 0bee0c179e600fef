/**
 * `pnpm --filter @weft/bench cli-startup`: how long the `weft` command line takes to
 * start, as a person or a script runs it.
 *
 *   pnpm --filter @weft/bench cli-startup [-- --runs 20] [--command "--help"]
 *
 * Builds the bundle once (apps/cli/build.mjs), then runs `node apps/cli/bin/weft.mjs
 * <command>` `--runs` times one after another and prints the wall time (min, median,
 * p90) and the CPU time (user + system, median) of the processes. Bare `node -e 0` is
 * measured the same way, as the floor. CPU time is the figure to compare between runs
 * on a busy machine; wall time is what a person waits.
 */
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const bin = path.join(repoRoot, "apps/cli/bin/weft.mjs")

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    runs: { type: "string", default: "20" },
    command: { type: "string", default: "--help" },
    help: { type: "boolean", default: false }
  }
})
if (values.help) {
  console.log("usage: cli-startup [--runs N] [--command \"ARGS\"]  (default: 20 runs of --help)")
  process.exit(0)
}
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${values.runs}`)

interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

/** Runs `args` under node once; its wall time and the CPU time of the child. */
const once = (args: ReadonlyArray<string>): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] })
    child.once("error", reject)
    child.once("exit", (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      if (code !== 0) return reject(new Error(`node ${args.join(" ")} exited ${code}`))
      resolve({ wallMs, cpuMs: 0 })
    })
  })

/**
 * CPU time of this process's finished children (Linux: cutime + cstime of
 * /proc/self/stat, in clock ticks of 10 ms).
 */
const childCpuMs = (): number => {
  const stat = fs.readFileSync("/proc/self/stat", "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // After "pid (comm) ", field 3 (state) is at index 0: cutime is field 16, cstime 17.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100
}

const measure = async (args: ReadonlyArray<string>) => {
  const samples: Array<Sample> = []
  await once(args) // warm the file system cache
  for (let i = 0; i < runs; i++) {
    const cpuBefore = childCpuMs()
    const sample = await once(args)
    samples.push({ wallMs: sample.wallMs, cpuMs: childCpuMs() - cpuBefore })
  }
  const wall = samples.map((s) => s.wallMs).sort((a, b) => a - b)
  const cpu = samples.map((s) => s.cpuMs).sort((a, b) => a - b)
  const at = (xs: ReadonlyArray<number>, q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]
  return { min: wall[0], median: at(wall, 0.5), p90: at(wall, 0.9), cpu: at(cpu, 0.5) }
}

execFileSync(process.execPath, [path.join(repoRoot, "apps/cli/build.mjs")], { stdio: "inherit" })
const command = values.command.split(" ").filter((arg) => arg !== "")
const rows = [
  { what: "node -e 0 (floor)", ...(await measure(["-e", "0"])) },
  { what: `weft ${command.join(" ")}`, ...(await measure([bin, ...command])) }
]
console.log(`${runs} runs each, one at a time; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`)
console.log("what                          wall min   median     p90    cpu (median)")
for (const row of rows) {
  const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(8)
  console.log(`${row.what.padEnd(28)}${ms(row.min)}${ms(row.median)}${ms(row.p90)}${ms(row.cpu)}`)
}
