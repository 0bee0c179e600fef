/**
 * `pnpm --filter @weft/bench scale`: how list and get behave as the executions table grows.
 *
 *   pnpm --filter @weft/bench scale [--sizes 10000,1000000] [--duration 5] [--connections 1,16]
 *                                   [--only weft|baseline] [--quick] [--json out.json] [--keep]
 *
 * 1. weft starts on a fresh temporary database; one workflow (with its default instance)
 *    and one execution are created through the API, and the execution is read back: that
 *    document is the template, so the seeded rows have exactly the shape weft writes.
 * 2. weft stops; N executions are inserted straight into its file with better-sqlite3
 *    (one transaction, one prepared statement), cloned from the template with fresh ULID
 *    ids, names, timestamps and a spread of phases.
 * 3. weft (and the baseline, on the same file) start again and list-page (filtered by
 *    phase) and get are measured. Sizes grow on the same file: 10 000, then 990 000 more.
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { isDeepStrictEqual, parseArgs } from "node:util"
import { nameStamp } from "./baseline.js"
import { fastUlid } from "./ids.js"
import { call, createExecution, expectStatus, LIST_PATH, setup, type Target, type TargetName } from "./api.js"
import { combine, type LoadResult, rotatingRequests, runLoad } from "./load.js"
import {
  BenchError,
  formatKiB,
  installCleanup,
  makeTempDir,
  releaseTempDir,
  runMain,
  type ServerProcess,
  startBaseline,
  startWeft
} from "./processes.js"
import { cliArgs, commonOptions, machine, ms, numberList, positiveNumber, problems, ratio, rps, table, writeJson } from "./report.js"

const USAGE = `usage: pnpm --filter @weft/bench scale [-- options]
  --sizes LIST        table sizes to measure at, e.g. 10000,1000000 (default; 10k/1m accepted)
  --duration S        seconds per measured run (default 5; 2 with --quick)
  --connections LIST  default 1,16
  --only NAME         weft (skip the baseline) or baseline (also makes the template; to test the harness)
  --quick             sizes 10000 only (unless --sizes), 2 s runs
  --warmup S          unmeasured warm-up per server and operation at each size (default 1; 0.5 with --quick)
  --repeat N          runs per server for each row, A/B alternating; the table shows medians (default 1)
  --json FILE         also write every result as JSON
  --keep              keep the temporary directory (the seeded database) and print its path`

const OPS = ["list", "get", "labels", "labels2", "window", "metrics"] as const
type Op = (typeof OPS)[number]
/** What the baseline serves too; the others are weft's only. */
const BASELINE_OPS: ReadonlyArray<Op> = ["list", "get"]

/** Labels of the i-th seeded row: `team` t0…t9 on every row, `tier=gold` on every 7th. */
const labelsOf = (i: number): Record<string, string> =>
  i % 7 === 0 ? { team: `t${i % 10}`, tier: "gold" } : { team: `t${i % 10}` }

const LABELS_PATH = "/v1/workflow-executions?labelSelector=team%3Dt3&pageSize=50"
const LABELS2_PATH = "/v1/workflow-executions?labelSelector=team%3Dt3%2C%21tier&pageSize=50"

/** Phase of the i-th seeded row: 20% pending, 30% in progress, 40% completed, 5% failed, 5% cancelled. */
const phaseOf = (i: number): string => {
  const r = i % 20
  if (r < 4) return "EXECUTION_PENDING"
  if (r < 10) return "EXECUTION_IN_PROGRESS"
  if (r < 18) return "EXECUTION_COMPLETED"
  return r === 18 ? "EXECUTION_FAILED" : "EXECUTION_CANCELLED"
}

const TASK_STATUS: Record<string, string> = {
  EXECUTION_IN_PROGRESS: "WORKFLOW_TASK_IN_PROGRESS",
  EXECUTION_COMPLETED: "WORKFLOW_TASK_COMPLETED",
  EXECUTION_FAILED: "WORKFLOW_TASK_FAILED",
  EXECUTION_CANCELLED: "WORKFLOW_TASK_SKIPPED"
}

const REQUIRED_COLUMNS = ["id", "org", "slug", "version", "created_at", "updated_at", "doc", "phase"]

interface Template {
  /** The execution as the API returned it (or as stored, when the two differ). */
  readonly doc: any
  /** The stored row of that execution: every column of weft's table. */
  readonly row: Record<string, unknown>
  readonly instanceSlug: string
}

interface SeedStep {
  readonly rows: number
  readonly seconds: number
  /** Random ids of the table, for the get runs. */
  readonly sample: Array<string>
}

/**
 * Seeds the file in steps (10 000, then up to 1 000 000, …). The file is opened only
 * while seeding: weft holds an exclusive lock on its database while it runs.
 */
interface Seeder {
  readonly seedTo: (n: number, sampleSize: number) => SeedStep
  /** `createdAfter`/`createdBefore` of a one-minute window ending at the middle of the first `n` rows. */
  readonly windowPath: (n: number) => string
}

const makeSeeder = (dbFile: string, template: Template): Seeder => {
  const columns = Object.keys(template.row)
  for (const c of REQUIRED_COLUMNS) {
    if (!columns.includes(c)) {
      throw new BenchError(`weft's workflow_executions table has no column "${c}" (it has ${columns.join(", ")}); scale.ts must be updated`)
    }
  }
  const tpl = template.doc
  // Seeded rows are one per millisecond, ending a day ago (older than anything the API makes).
  const start = Math.floor((Date.now() - 86_400_000 - 10_000_000) / 1000) * 1000
  let seeded = 0

  const rowFor = (i: number): Array<unknown> => {
    const t = start + i
    const at = new Date(t).toISOString()
    const id = `wex-${fastUlid(t)}`
    const n = t % 1000
    const name = `${template.instanceSlug}-${nameStamp(new Date(t))}${n === 0 ? "" : `-${n + 1}`}`
    const phase = phaseOf(i)
    const version = phase === "EXECUTION_PENDING" ? 1 : phase === "EXECUTION_IN_PROGRESS" ? 2 : 3
    const created = { ...tpl.status.audit.specAudit, createdAt: at, updatedAt: at, event: "created" }
    const status: Record<string, unknown> = {
      ...tpl.status,
      audit: {
        specAudit: created,
        statusAudit: version === 1 ? { ...created } : { ...created, event: "status_updated" }
      },
      phase
    }
    if (version > 1) {
      status.tasks = [{ taskName: "a", status: TASK_STATUS[phase] }]
      status.startedAt = at
      if (version === 3) status.completedAt = at
    }
    const doc = { ...tpl, metadata: { ...tpl.metadata, id, name, slug: name, version, labels: labelsOf(i) }, status }
    return columns.map((c) => {
      switch (c) {
        case "id":
          return id
        case "slug":
          return name
        case "version":
          return version
        case "created_at":
        case "updated_at":
          return at
        case "doc":
          return JSON.stringify(doc)
        case "phase":
          return phase
        case "ended_at":
          return version === 3 ? at : null
        default:
          return template.row[c]
      }
    })
  }

  return {
    windowPath: (n) => {
      const middle = start + Math.floor(n / 2)
      const after = encodeURIComponent(new Date(middle - 60_000).toISOString())
      const before = encodeURIComponent(new Date(middle).toISOString())
      return `/v1/workflow-executions?createdAfter=${after}&createdBefore=${before}&pageSize=50`
    },
    seedTo: (n, sampleSize) => {
      const began = process.hrtime.bigint()
      const from = seeded
      const db = new Database(dbFile, { timeout: 10_000 })
      try {
        if (n > from) {
          // A bulk load: rollback journal, no fsync per page, a big cache; WAL again afterwards.
          db.pragma("journal_mode = DELETE")
          db.pragma("synchronous = OFF")
          db.pragma("cache_size = -524288")
          const insert = db.prepare(
            `INSERT INTO workflow_executions (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`
          )
          // The label rows weft's store writes beside each resource (`workflow_executions_labels`).
          const label = db.prepare("INSERT INTO workflow_executions_labels (id, key, value) VALUES (?, ?, ?)")
          db.transaction(() => {
            for (let i = from; i < n; i++) {
              const values = rowFor(i)
              insert.run(values)
              const id = values[columns.indexOf("id")]
              for (const [key, value] of Object.entries(labelsOf(i))) label.run(id, key, value)
            }
          })()
          db.pragma("journal_mode = WAL")
          seeded = n
        }
        const byRowid = db.prepare<[number], { id: string }>("SELECT id FROM workflow_executions WHERE rowid = ?")
        const max = db.prepare<[], { m: number }>("SELECT MAX(rowid) AS m FROM workflow_executions").get()?.m ?? 0
        const sample: Array<string> = []
        for (let tries = 0; sample.length < sampleSize && tries < sampleSize * 4; tries++) {
          const row = byRowid.get(1 + Math.floor(Math.random() * max))
          if (row !== undefined) sample.push(row.id)
        }
        return { rows: n - from, seconds: Number(process.hrtime.bigint() - began) / 1e9, sample }
      } finally {
        db.close()
      }
    }
  }
}

/** Milliseconds (median of 5) of the two ways to count executions by phase, on the file as weft left it. */
interface CountTimes {
  /** `COUNT(*) … GROUP BY phase` over the table (what `/metrics` did before the kept counts). */
  readonly table: number
  /** The sum of the kept counts (`workflow_execution_phase_counts`, what `/metrics` reads). */
  readonly kept: number
}

const countTimes = (dbFile: string): CountTimes => {
  const db = new Database(dbFile, { readonly: true })
  try {
    const time = (query: string) => {
      const statement = db.prepare(query)
      const samples = Array.from({ length: 5 }, () => {
        const began = process.hrtime.bigint()
        statement.all()
        return Number(process.hrtime.bigint() - began) / 1e6
      }).sort((a, b) => a - b)
      return samples[2]
    }
    return {
      table: time("SELECT phase, COUNT(*) AS n FROM workflow_executions GROUP BY phase"),
      kept: time("SELECT phase, SUM(n) AS n FROM workflow_execution_phase_counts GROUP BY phase")
    }
  } finally {
    db.close()
  }
}

interface Row {
  readonly size: number
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
      sizes: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string", default: "1,16" },
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      warmup: { type: "string" },
      repeat: { type: "string", default: "1" },
      ...commonOptions
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const quick = values.quick!
  const sizes = [...new Set(numberList(values.sizes ?? (quick ? "10000" : "10000,1000000"), "--sizes"))].sort((a, b) => a - b)
  const durationS = values.duration !== undefined ? positiveNumber(values.duration, "--duration") : quick ? 2 : 5
  const connections = numberList(values.connections!, "--connections")
  const warmupS = values.warmup !== undefined ? Number(values.warmup) : quick ? 0.5 : 1
  if (!Number.isFinite(warmupS) || warmupS < 0) throw new BenchError(`--warmup: "${values.warmup}" is not a duration`)
  const repeat = numberList(values.repeat!, "--repeat")[0]
  const only = values.only as TargetName | undefined
  if (only !== undefined && only !== "weft" && only !== "baseline") throw new BenchError(`--only: weft or baseline, not "${only}"`)
  const names: Array<TargetName> = only === undefined ? ["weft", "baseline"] : [only]
  const templateFrom: TargetName = names[0]
  const start = (name: TargetName, file: string) => (name === "weft" ? startWeft(file) : startBaseline(file))

  installCleanup()
  const dir = makeTempDir("weft-scale-")
  const dbFile = path.join(dir, "scale.db")
  const running: Array<ServerProcess> = []
  try {
    // 1. The template: a real execution made by the server under test.
    process.stderr.write(`making the template execution with ${templateFrom} (temporary files in ${dir})\n`)
    const first = await start(templateFrom, dbFile)
    running.push(first)
    const firstTarget: Target = { name: templateFrom, server: first }
    const { instanceId } = await setup(firstTarget)
    const created = await createExecution(firstTarget, instanceId)
    const getPath = `/v1/workflow-executions/${created.metadata.id}`
    const got = await call(firstTarget, "GET", getPath)
    expectStatus(firstTarget, got, "GET", getPath, 200)
    const instancePath = `/v1/workflow-instances/${instanceId}`
    const instance = await call(firstTarget, "GET", instancePath)
    expectStatus(firstTarget, instance, "GET", instancePath, 200)
    await first.stop()
    running.length = 0

    const probe = new Database(dbFile, { readonly: true })
    const row = probe.prepare("SELECT * FROM workflow_executions WHERE id = ?").get(created.metadata.id) as
      | Record<string, unknown>
      | undefined
    probe.close()
    if (row === undefined) {
      throw new BenchError(`${templateFrom} answered for ${created.metadata.id} but it is not in workflow_executions of ${dbFile}`)
    }
    let doc = got.json
    const stored = JSON.parse(String(row.doc))
    if (!isDeepStrictEqual(stored, doc)) {
      process.stderr.write(
        `note: the stored document differs from what GET returns; seeding the stored form (what ${templateFrom} reads back)\n`
      )
      doc = stored
    }
    const seeder = makeSeeder(dbFile, { doc, row, instanceSlug: instance.json.metadata.slug })

    // 2./3. Per size: seed, start, check, measure, stop.
    const rows: Array<Row> = []
    const peaks: Array<{
      size: number
      seedSeconds: number
      fileMiB: number
      peak: Partial<Record<TargetName, number>>
      counts: CountTimes
    }> = []
    for (const size of sizes) {
      const seeded = seeder.seedTo(size, 2000)
      const fileMiB = fs.statSync(dbFile).size / 1024 / 1024
      process.stderr.write(
        `seeded ${seeded.rows} executions in ${seeded.seconds.toFixed(1)} s ` +
          `(${size} in the table, file ${fileMiB.toFixed(0)} MiB)\n`
      )
      const sample = seeded.sample
      // weft locks its file, so the second server reads an identical copy of it.
      const copyFile = path.join(dir, "copy.db")
      if (names.length > 1) {
        for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(copyFile + suffix, { force: true })
        fs.copyFileSync(dbFile, copyFile)
      }

      const targets: Array<Target> = []
      for (const [i, name] of names.entries()) {
        const server = await start(name, i === 0 ? dbFile : copyFile)
        running.push(server)
        targets.push({ name, server })
      }
      for (const target of targets) {
        const answer = await call(target, "GET", `/v1/workflow-executions/${sample[0]}`)
        expectStatus(target, answer, "GET", `/v1/workflow-executions/${sample[0]}`, 200)
        const list = await call(target, "GET", LIST_PATH)
        expectStatus(target, list, "GET", LIST_PATH, 200)
        const entries = list.json?.entries
        if (!Array.isArray(entries) || entries.length !== 50 || typeof list.json.nextPageToken !== "string" ||
          !entries.every((e: any) => e?.status?.phase === "EXECUTION_PENDING")) {
          throw new BenchError(`${target.name}: GET ${LIST_PATH} on ${size} rows should give 50 PENDING entries and a nextPageToken`)
        }
      }

      // The selections weft serves: each answers a full first page and a token, i.e. a keyset page.
      const pathOf: Partial<Record<Op, string>> = {
        list: LIST_PATH,
        labels: LABELS_PATH,
        labels2: LABELS2_PATH,
        window: seeder.windowPath(size),
        metrics: "/metrics"
      }
      const weftTarget = targets.find((t) => t.name === "weft")
      if (weftTarget !== undefined) {
        for (const op of ["labels", "labels2", "window"] as const) {
          const page = await call(weftTarget, "GET", pathOf[op]!)
          expectStatus(weftTarget, page, "GET", pathOf[op]!, 200)
          if (page.json?.entries?.length !== 50 || typeof page.json.nextPageToken !== "string") {
            throw new BenchError(`weft: GET ${pathOf[op]} on ${size} rows should give 50 entries and a nextPageToken`)
          }
        }
      }

      const loadFor = (op: Op) =>
        op === "get"
          ? { requests: rotatingRequests(sample, (id) => ({ method: "GET", path: `/v1/workflow-executions/${id}` })) }
          : { method: "GET" as const, path: pathOf[op]! }

      let flip = false
      for (const op of OPS) {
        const opTargets = targets.filter((t) => t.name === "weft" || BASELINE_OPS.includes(op))
        if (opTargets.length === 0) continue
        if (warmupS > 0) {
          for (const target of opTargets) {
            await runLoad({ url: target.server.url, connections: 16, durationS: warmupS, ...loadFor(op) })
          }
        }
        for (const c of connections) {
          const runs: Record<TargetName, Array<LoadResult>> = { weft: [], floor: [], baseline: [] }
          for (let round = 0; round < repeat; round++) {
            const order = flip ? [...opTargets].reverse() : opTargets
            flip = !flip
            for (const target of order) {
              const result = await runLoad({ url: target.server.url, connections: c, durationS, ...loadFor(op) })
              if (target.server.exited()) throw new BenchError(`${target.name} ended during ${op}: ${target.server.exitReport()}`)
              runs[target.name].push(result)
              process.stderr.write(
                `${size} ${op} c=${c} ${target.name}: ${rps(result.rps)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms\n`
              )
              await new Promise((r) => setTimeout(r, 250))
            }
          }
          const results: Partial<Record<TargetName, LoadResult>> = {}
          for (const target of opTargets) results[target.name] = combine(runs[target.name])
          rows.push({ size, op, connections: c, results, runs })
        }
      }
      const peak = Object.fromEntries(targets.map((t) => [t.name, t.server.peakRssKiB()])) as Partial<Record<TargetName, number>>
      await Promise.all(running.map((s) => s.stop()))
      running.length = 0
      peaks.push({ size, seedSeconds: seeded.seconds, fileMiB, peak, counts: countTimes(dbFile) })
    }

    // Report.
    const headers = [
      "rows",
      "op",
      "conns",
      "weft req/s",
      "weft p50 ms",
      "weft p99 ms",
      "base req/s",
      "base p50 ms",
      "base p99 ms",
      "ratio",
      "notes"
    ]
    const lines = rows.map(({ size, op, connections: c, results }) => {
      const w = results.weft
      const b = results.baseline
      return [
        String(size),
        op,
        String(c),
        rps(w?.rps),
        ms(w?.p50),
        ms(w?.p99),
        rps(b?.rps),
        ms(b?.p50),
        ms(b?.p99),
        ratio(w?.rps, b?.rps),
        [...problems("weft", w), ...problems("baseline", b)].join("; ")
      ]
    })
    process.stdout.write(
      [
        "",
        `scale — executions seeded into weft's database; ${durationS} s per run${repeat > 1 ? ` (median of ${repeat})` : ""}; ${machine()}`,
        "",
        table(headers, lines, 2),
        "",
        "  list     GET /v1/workflow-executions?phase=EXECUTION_PENDING&pageSize=50   (20% of rows are PENDING)",
        "  get      GET /v1/workflow-executions/{id}, rotating over 2000 random ids",
        `  labels   GET ${LABELS_PATH}   (10% of rows)`,
        `  labels2  GET ${LABELS2_PATH}   (about 8.6% of rows)`,
        "  window   GET /v1/workflow-executions?createdAfter=…&createdBefore=…&pageSize=50   (a minute in the middle of the rows)",
        "  metrics  GET /metrics   (executions by phase from the kept counts)",
        "  labels, labels2, window and metrics are weft's only: the baseline has no selectors",
        "",
        ...peaks.map((p) =>
          `${p.size} rows: file ${p.fileMiB.toFixed(0)} MiB; weft peak RSS ${names.includes("weft") ? formatKiB(p.peak.weft) : "-"}` +
            `, baseline peak RSS ${names.includes("baseline") ? formatKiB(p.peak.baseline) : "-"}` +
            `; executions by phase: COUNT(*) GROUP BY phase ${ms(p.counts.table)} ms, kept counts ${ms(p.counts.kept)} ms`
        ),
        ""
      ].join("\n")
    )
    if (values.json !== undefined) {
      writeJson(values.json, {
        kind: "weft-scale",
        date: new Date().toISOString(),
        machine: machine(),
        options: { sizes, durationS, connections, only: only ?? null, warmupS, repeat },
        rows: rows.map((r) => ({
          size: r.size,
          op: r.op,
          connections: r.connections,
          weft: r.results.weft ?? null,
          baseline: r.results.baseline ?? null,
          runs: r.runs
        })),
        sizes: peaks
      })
    }
  } finally {
    await Promise.all(running.map((s) => s.stop()))
    releaseTempDir(dir, values.keep)
  }
}

runMain("scale", main)
