/**
 * `pnpm bench`: weft against the floor (the least a server on weft's own stack does) and the
 * bare baseline, interleaved, on temporary SQLite files.
 *
 *   pnpm bench [-- --duration 5] [--quick] [--connections 1,16,64] [--ops create,patch,get,list]
 *              [--only weft,floor,baseline] [--pool 1000] [--warmup 1] [--json out.json]
 *
 * See bench/README.md for what is measured and what each column means.
 */
import * as path from "node:path"
import { parseArgs } from "node:util"
import {
  call,
  checkOperations,
  createExecutionBody,
  LIST_PATH,
  PATCH_BODY,
  precreate,
  setup,
  type Target,
  type TargetName
} from "./api.js"
import { combine, type LoadOptions, type LoadResult, rotatingRequests, runLoad } from "./load.js"
import {
  BenchError,
  formatKiB,
  runMain,
  installCleanup,
  makeTempDir,
  releaseTempDir,
  type ServerProcess,
  startBaseline,
  startFloor,
  startWeft
} from "./processes.js"
import { cliArgs, commonOptions, machine, ms, numberList, positiveNumber, problems, ratio, rps, table, writeJson } from "./report.js"

const OPS = ["create", "patch", "get", "list"] as const
type Op = (typeof OPS)[number]

const OP_LABEL: Record<Op, string> = {
  create: "create  POST /v1/workflow-executions",
  patch: "status  PATCH /v1/workflow-executions/{id}/status",
  get: "get     GET /v1/workflow-executions/{id}",
  list: "list    GET /v1/workflow-executions?phase=PENDING&pageSize=50"
}

const USAGE = `usage: pnpm bench [-- options]
  --duration S        seconds per measured run (default 5; 2 with --quick)
  --quick             2 s runs, connections 1 and 64 only, shorter warm-up
  --connections LIST  e.g. 1,16,64 (default)
  --ops LIST          any of ${OPS.join(",")} (default: all, in that order)
  --only LIST         run only these of weft,floor,baseline (e.g. weft,floor)
  --pool N            executions pre-created per server for PATCH/GET (default 1000)
  --warmup S          unmeasured warm-up per server and operation (default 1; 0.5 with --quick; 0 = none)
  --repeat N          runs per server for each row, A/B alternating; the table shows medians (default 1)
  --json FILE         also write every result as JSON
  --keep              keep the temporary directory (database files) and print its path`

interface Context {
  readonly target: Target
  /** Executions PATCHed in the status runs (they move PENDING → IN_PROGRESS → IN_PROGRESS…). */
  readonly patchIds: ReadonlyArray<string>
  /** Executions read in the get runs. */
  readonly getIds: ReadonlyArray<string>
  readonly instanceId: string
}

const loadFor = (op: Op, ctx: Context): Omit<LoadOptions, "url" | "connections" | "durationS"> => {
  const json = { "content-type": "application/json" }
  switch (op) {
    case "create":
      return { method: "POST", path: "/v1/workflow-executions", body: JSON.stringify(createExecutionBody(ctx.instanceId)), headers: json }
    case "patch": {
      const body = JSON.stringify(PATCH_BODY)
      return {
        requests: rotatingRequests(ctx.patchIds, (id) => ({ method: "PATCH", path: `/v1/workflow-executions/${id}/status`, body }), json)
      }
    }
    case "get":
      return { requests: rotatingRequests(ctx.getIds, (id) => ({ method: "GET", path: `/v1/workflow-executions/${id}` })) }
    case "list":
      return { method: "GET", path: LIST_PATH }
  }
}

interface Row {
  readonly op: Op
  readonly connections: number
  /** The median of the runs, per figure. */
  readonly results: Partial<Record<TargetName, LoadResult>>
  readonly runs: Record<TargetName, Array<LoadResult>>
}

const main = async () => {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      duration: { type: "string" },
      quick: { type: "boolean", default: false },
      connections: { type: "string" },
      ops: { type: "string" },
      only: { type: "string" },
      pool: { type: "string", default: "1000" },
      warmup: { type: "string" },
      repeat: { type: "string", default: "1" },
      ...commonOptions
    },
    allowPositionals: false
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const quick = values.quick!
  const durationS = values.duration !== undefined ? positiveNumber(values.duration, "--duration") : quick ? 2 : 5
  const connections = values.connections !== undefined
    ? numberList(values.connections, "--connections")
    : quick ? [1, 64] : [1, 16, 64]
  const ops = (values.ops?.split(",").map((s) => s.trim()) ?? [...OPS]) as Array<Op>
  for (const op of ops) if (!OPS.includes(op)) throw new BenchError(`--ops: unknown operation "${op}" (known: ${OPS.join(", ")})`)
  const ALL: ReadonlyArray<TargetName> = ["weft", "floor", "baseline"]
  const only = values.only?.split(",").map((s) => s.trim()) as Array<TargetName> | undefined
  for (const name of only ?? []) {
    if (!ALL.includes(name)) throw new BenchError(`--only: any of ${ALL.join(",")}, not "${name}"`)
  }
  const names: Array<TargetName> = ALL.filter((name) => only === undefined || only.includes(name))
  const repeat = numberList(values.repeat!, "--repeat")[0]
  const poolSize = numberList(values.pool!, "--pool")[0]
  const warmupS = values.warmup !== undefined ? Number(values.warmup) : quick ? 0.5 : 1
  if (!Number.isFinite(warmupS) || warmupS < 0) throw new BenchError(`--warmup: "${values.warmup}" is not a duration`)

  installCleanup()
  const dir = makeTempDir("weft-bench-")
  const servers: Array<ServerProcess> = []
  try {
    // Start both servers, each on its own database file.
    process.stderr.write(`starting ${names.join(" and ")} (temporary files in ${dir})\n`)
    const started = await Promise.all(
      names.map((name) =>
        (name === "weft" ? startWeft : name === "floor" ? startFloor : startBaseline)(path.join(dir, `${name}.db`))
      )
    )
    servers.push(...started)
    const targets: Array<Target> = started.map((server, i) => ({ name: names[i], server }))

    // Setup, one checked request per operation (fails clearly on a missing route), the pool.
    const contexts = new Map<TargetName, Context>()
    for (const target of targets) {
      const { instanceId } = await setup(target)
      await checkOperations(target, instanceId)
      process.stderr.write(`${target.name}: routes answer as expected; pre-creating ${poolSize} executions\n`)
      const pool = await precreate(target, instanceId, poolSize)
      const half = Math.max(1, Math.floor(pool.length / 2))
      contexts.set(target.name, { target, instanceId, patchIds: pool.slice(0, half), getIds: pool })
    }

    const runOne = async (op: Op, target: Target, c: number, seconds: number): Promise<LoadResult> => {
      const ctx = contexts.get(target.name)!
      const result = await runLoad({ url: target.server.url, connections: c, durationS: seconds, ...loadFor(op, ctx) })
      if (target.server.exited()) {
        throw new BenchError(`${target.name} ended during ${op} at ${c} connections: ${target.server.exitReport()}`)
      }
      await new Promise((r) => setTimeout(r, 250)) // let sockets close before the next run
      return result
    }

    // Measure: per operation and connection count, weft and baseline back to back,
    // alternating which goes first (ABBA) so slow drift does not favour one side.
    const rows: Array<Row> = []
    const total = ops.length * connections.length * targets.length * repeat
    let done = 0
    let flip = false
    for (const op of ops) {
      if (warmupS > 0) {
        for (const target of targets) {
          process.stderr.write(`warm-up ${op} ${target.name} (${warmupS} s)\n`)
          await runOne(op, target, Math.min(16, Math.max(...connections)), warmupS)
        }
      }
      for (const c of connections) {
        const runs: Record<TargetName, Array<LoadResult>> = { weft: [], floor: [], baseline: [] }
        for (let round = 0; round < repeat; round++) {
          const order = flip ? [...targets].reverse() : targets
          flip = !flip
          for (const target of order) {
            const result = await runOne(op, target, c, durationS)
            runs[target.name].push(result)
            done++
            const notes = problems(target.name, result)
            process.stderr.write(
              `[${done}/${total}] ${op} c=${c} ${target.name}: ${rps(result.rps)} req/s, ` +
                `p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms${notes.length > 0 ? `  (${notes.join("; ")})` : ""}\n`
            )
          }
        }
        const results: Partial<Record<TargetName, LoadResult>> = {}
        for (const target of targets) results[target.name] = combine(runs[target.name])
        rows.push({ op, connections: c, results, runs })
      }
    }

    const peak = Object.fromEntries(targets.map((t) => [t.name, t.server.peakRssKiB()])) as Partial<Record<TargetName, number>>

    // Report.
    const headers = [
      "op",
      "conns",
      "weft req/s",
      "floor req/s",
      "baseline req/s",
      "weft/floor",
      "weft/base",
      "weft p50 ms",
      "weft p99 ms",
      "floor p50 ms",
      "floor p99 ms",
      "base p50 ms",
      "base p99 ms",
      "notes"
    ]
    const lines = rows.map(({ op, connections: c, results }) => {
      const w = results.weft
      const f = results.floor
      const b = results.baseline
      return [
        op,
        String(c),
        rps(w?.rps),
        rps(f?.rps),
        rps(b?.rps),
        ratio(w?.rps, f?.rps),
        ratio(w?.rps, b?.rps),
        ms(w?.p50),
        ms(w?.p99),
        ms(f?.p50),
        ms(f?.p99),
        ms(b?.p50),
        ms(b?.p99),
        [...problems("weft", w), ...problems("floor", f), ...problems("baseline", b)].join("; ")
      ]
    })
    const out = [
      "",
      `weft vs floor vs baseline — ${durationS} s per run${repeat > 1 ? ` (median of ${repeat})` : ""}, interleaved, autocannon on 127.0.0.1; ${machine()}`,
      "",
      table(headers, lines),
      "",
      ...ops.map((op) => `  ${OP_LABEL[op]}`),
      "",
      `peak RSS (VmHWM): weft ${names.includes("weft") ? formatKiB(peak.weft) : "-"}` +
        `   floor ${names.includes("floor") ? formatKiB(peak.floor) : "-"}` +
        `   baseline ${names.includes("baseline") ? formatKiB(peak.baseline) : "-"}`,
      "weft/floor = weft req/s ÷ floor req/s (1.00 = as fast as a bare server on weft's stack)",
      "weft/base = weft req/s ÷ baseline req/s (1.00 = as fast as the framework-free server)",
      ""
    ]
    process.stdout.write(out.join("\n"))

    if (values.json !== undefined) {
      const report = {
        kind: "weft-bench",
        date: new Date().toISOString(),
        machine: machine(),
        options: { durationS, connections, ops, only: only ?? null, poolSize, warmupS, repeat },
        rows: rows.map((r) => ({
          op: r.op,
          connections: r.connections,
          weft: r.results.weft ?? null,
          floor: r.results.floor ?? null,
          baseline: r.results.baseline ?? null,
          runs: r.runs,
          ratio: r.results.weft && r.results.baseline && r.results.baseline.rps > 0
            ? r.results.weft.rps / r.results.baseline.rps
            : null,
          ratioToFloor: r.results.weft && r.results.floor && r.results.floor.rps > 0
            ? r.results.weft.rps / r.results.floor.rps
            : null
        })),
        peakRssKiB: { weft: peak.weft ?? null, floor: peak.floor ?? null, baseline: peak.baseline ?? null }
      }
      writeJson(values.json, report)
    }

    // Sanity: a final call proves each server is still answering.
    for (const target of targets) await call(target, "GET", "/health")
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    releaseTempDir(dir, values.keep)
  }
}

runMain("bench", main)
