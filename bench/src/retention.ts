/**
 * `pnpm --filter @weft/bench retention`: what the retention sweep costs the API.
 *
 *   pnpm --filter @weft/bench retention [--expired 100000] [--duration 10] [--connections 16]
 *                                       [--pool 200] [--json out.json] [--keep]
 *
 * 1. weft starts on a fresh temporary database; `--pool` executions are created and set
 *    IN_PROGRESS through the API (the PATCH targets), and one more is COMPLETED: its row
 *    is the template of the expired ones.
 * 2. weft stops; `--expired` executions COMPLETED 60 days ago are inserted straight into
 *    its file (one transaction), shaped like the template.
 * 3. weft starts without `WEFT_RETENTION` and status PATCHes (rotating over the pool) are
 *    measured: the figures without a sweep.
 * 4. weft starts again with `WEFT_RETENTION=30d`: its sweep begins at once and deletes the
 *    expired executions, 100 per transaction, while the same PATCH load is measured. How
 *    many were left when the load ended is printed (the load must end before the sweep
 *    does, or the figures are not "during a sweep"), then how fast the sweep went under
 *    the load and on its own afterwards (followed for `--sweep-seconds`, or to its end).
 */
import Database from "better-sqlite3"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { call, createExecution, expectStatus, PATCH_BODY, setup, type Target } from "./api.js"
import { type LoadResult, rotatingRequests, runLoad } from "./load.js"
import {
  BenchError,
  installCleanup,
  makeTempDir,
  releaseTempDir,
  runMain,
  type ServerProcess,
  startWeft
} from "./processes.js"
import { cliArgs, commonOptions, machine, ms, numberList, positiveNumber, problems, rps, table, writeJson } from "./report.js"
import { fastUlid } from "./ids.js"

const USAGE = `usage: pnpm --filter @weft/bench retention [-- options]
  --expired N       executions that ended 60 days ago, for the sweep to delete (default 100000; 100k accepted)
  --duration S      seconds of PATCH load with and without the sweep (default 10)
  --connections N   concurrent connections of the PATCH load (default 16)
  --pool N          executions the PATCHes rotate over (default 200)
  --sweep-seconds S after the load, how long the sweep is followed on its own (default 30; until it ends, if sooner)
  --json FILE       also write the figures as JSON
  --keep            keep the temporary directory and print its path`

const DAY = 86_400_000

/** `weft_executions{phase="…"}` from `/metrics`. */
const countOf = async (server: ServerProcess, phase: string): Promise<number> => {
  const target: Target = { name: "weft", server }
  const answer = await call(target, "GET", "/metrics")
  expectStatus(target, answer, "GET", "/metrics", 200)
  const match = new RegExp(`^weft_executions\\{phase="${phase}"\\} (\\d+)$`, "m").exec(answer.text)
  if (match === null) throw new BenchError(`/metrics has no weft_executions{phase="${phase}"}`)
  return Number(match[1])
}

/** Inserts `n` executions COMPLETED `DAY * 60` ago, cloned from the template row. */
const seedExpired = (dbFile: string, template: Record<string, unknown>, n: number): number => {
  const began = process.hrtime.bigint()
  const columns = Object.keys(template)
  for (const c of ["id", "slug", "created_at", "updated_at", "doc", "phase", "ended_at"]) {
    if (!columns.includes(c)) throw new BenchError(`weft's workflow_executions table has no column "${c}"; retention.ts must be updated`)
  }
  const doc = JSON.parse(String(template.doc))
  const start = Date.now() - 60 * DAY - n
  const db = new Database(dbFile, { timeout: 10_000 })
  try {
    db.pragma("journal_mode = DELETE")
    db.pragma("synchronous = OFF")
    const insert = db.prepare(
      `INSERT INTO workflow_executions (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`
    )
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const t = start + i
        const at = new Date(t).toISOString()
        const id = `wex-${fastUlid(t)}`
        const slug = `expired-${i}`
        const audit = { ...doc.status.audit.specAudit, createdAt: at, updatedAt: at }
        const row = {
          ...template,
          id,
          slug,
          created_at: at,
          updated_at: at,
          ended_at: at,
          doc: JSON.stringify({
            ...doc,
            metadata: { ...doc.metadata, id, name: slug, slug },
            status: {
              ...doc.status,
              startedAt: at,
              completedAt: at,
              audit: { specAudit: audit, statusAudit: { ...audit, event: "status_updated" } }
            }
          })
        }
        insert.run(columns.map((c) => (row as Record<string, unknown>)[c]))
      }
    })()
    db.pragma("journal_mode = WAL")
  } finally {
    db.close()
  }
  return Number(process.hrtime.bigint() - began) / 1e9
}

const main = async () => {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      expired: { type: "string", default: "100000" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "16" },
      pool: { type: "string", default: "200" },
      "sweep-seconds": { type: "string", default: "30" },
      ...commonOptions
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const expired = numberList(values.expired!, "--expired")[0]
  const durationS = positiveNumber(values.duration!, "--duration")
  const connections = numberList(values.connections!, "--connections")[0]
  const poolSize = numberList(values.pool!, "--pool")[0]
  const sweepWaitS = positiveNumber(values["sweep-seconds"]!, "--sweep-seconds")

  installCleanup()
  const dir = makeTempDir("weft-retention-")
  const dbFile = path.join(dir, "retention.db")
  const running: Array<ServerProcess> = []
  const start = async (env: Record<string, string> = {}) => {
    const server = await startWeft(dbFile, env)
    running.push(server)
    return server
  }
  const stopAll = async () => {
    await Promise.all(running.map((s) => s.stop()))
    running.length = 0
  }
  try {
    // 1. The PATCH targets and the template, through the API.
    process.stderr.write(`making ${poolSize} running executions and the template (temporary files in ${dir})\n`)
    const first = await start()
    const target: Target = { name: "weft", server: first }
    const { instanceId } = await setup(target)
    const pool: Array<string> = []
    for (let i = 0; i < poolSize; i++) {
      const id = (await createExecution(target, instanceId)).metadata.id as string
      const patchPath = `/v1/workflow-executions/${id}/status`
      expectStatus(target, await call(target, "PATCH", patchPath, PATCH_BODY), "PATCH", patchPath, 200)
      pool.push(id)
    }
    const done = (await createExecution(target, instanceId)).metadata.id as string
    const donePath = `/v1/workflow-executions/${done}/status`
    expectStatus(target, await call(target, "PATCH", donePath, { phase: "EXECUTION_COMPLETED" }), "PATCH", donePath, 200)
    await stopAll()
    const probe = new Database(dbFile, { readonly: true })
    const template = probe.prepare("SELECT * FROM workflow_executions WHERE id = ?").get(done) as Record<string, unknown>
    probe.close()

    // 2. The expired executions.
    const seedSeconds = seedExpired(dbFile, template, expired)
    process.stderr.write(`seeded ${expired} executions that ended 60 days ago in ${seedSeconds.toFixed(1)} s\n`)

    const patchLoad = (server: ServerProcess) =>
      runLoad({
        url: server.url,
        connections,
        durationS,
        requests: rotatingRequests(pool, (id) => ({
          method: "PATCH",
          path: `/v1/workflow-executions/${id}/status`,
          body: JSON.stringify(PATCH_BODY)
        }), { "content-type": "application/json" })
      })

    // 3. Without a sweep.
    const plain = await start()
    // The template ended now: it stays.
    const before = await countOf(plain, "EXECUTION_COMPLETED")
    if (before !== expired + 1) throw new BenchError(`expected ${expired + 1} COMPLETED executions, /metrics says ${before}`)
    const without = await patchLoad(plain)
    process.stderr.write(`without a sweep: ${rps(without.rps)} req/s, p50 ${ms(without.p50)} ms, p99 ${ms(without.p99)} ms\n`)
    await stopAll()

    // 4. During the sweep: it starts with the server.
    const sweeping = await start({ WEFT_RETENTION: "30d" })
    const sweepBegan = Date.now()
    const during = await patchLoad(sweeping)
    const leftAtEnd = (await countOf(sweeping, "EXECUTION_COMPLETED")) - 1
    process.stderr.write(
      `during the sweep: ${rps(during.rps)} req/s, p50 ${ms(during.p50)} ms, p99 ${ms(during.p99)} ms; ` +
        `${leftAtEnd} expired left when the load ended\n`
    )
    // The sweep on its own, until it ends or for `--sweep-seconds`.
    const loadEnded = Date.now()
    let left = leftAtEnd
    while (left > 0 && Date.now() - loadEnded < sweepWaitS * 1000) {
      await new Promise((r) => setTimeout(r, 250))
      left = (await countOf(sweeping, "EXECUTION_COMPLETED")) - 1
    }
    const aloneSeconds = (Date.now() - loadEnded) / 1000
    const sweepSeconds = (Date.now() - sweepBegan) / 1000
    const running_ = await countOf(sweeping, "EXECUTION_IN_PROGRESS")
    if (running_ !== poolSize) throw new BenchError(`the sweep left ${running_} of ${poolSize} running executions`)
    await stopAll()

    const rowOf = (name: string, result: LoadResult, note: string) => [
      name,
      rps(result.rps),
      ms(result.p50),
      ms(result.p90),
      ms(result.p99),
      ms(result.max),
      [...problems("weft", result), note].filter((s) => s !== "").join("; ")
    ]
    process.stdout.write(
      [
        "",
        `retention — status PATCH (c=${connections}, ${durationS} s, rotating over ${poolSize} running executions) ` +
          `with and without the sweep of ${expired} expired executions; ${machine()}`,
        "",
        table(["", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "notes"], [
          rowOf("without a sweep", without, ""),
          rowOf("during the sweep", during, leftAtEnd > 0 ? `${leftAtEnd} still to delete when the load ended` : "the sweep ended before the load did")
        ]),
        "",
        `the sweep deleted ${expired - leftAtEnd} executions in the ${during.durationS.toFixed(1)} s under PATCH load ` +
          `(${rps((expired - leftAtEnd) / (loadEnded - sweepBegan) * 1000)}/s) and ${leftAtEnd - left} in the next ` +
          `${aloneSeconds.toFixed(1)} s alone (${rps((leftAtEnd - left) / aloneSeconds)}/s); ` +
          (left === 0 ? `all ${expired} in ${sweepSeconds.toFixed(1)} s` : `${left} still to delete`) +
          `; ${poolSize} running executions kept`,
        ""
      ].join("\n")
    )
    if (leftAtEnd === 0) process.stderr.write("warning: the sweep ended before the load did: raise --expired or lower --duration\n")
    if (values.json !== undefined) {
      writeJson(values.json, {
        kind: "weft-retention",
        date: new Date().toISOString(),
        machine: machine(),
        options: { expired, durationS, connections, pool: poolSize },
        without,
        during,
        leftAtEnd,
        aloneSeconds,
        leftAfter: left,
        sweepSeconds
      })
    }
  } finally {
    await stopAll()
    releaseTempDir(dir, values.keep)
  }
}

runMain("retention", main)
