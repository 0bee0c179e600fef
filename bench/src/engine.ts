/**
 * The engine end to end: runs created over HTTP, run by the server (`WEFT_RUNNER=embedded`)
 * as `pnpm start` runs it, on a temporary SQLite file.
 *
 *   pnpm --filter @weft/bench engine [--runs 500] [--concurrency 32] [--watchers 1000]
 *       [--rate 10] [--rate-seconds 30] [--parked 10000] [--parked-wait 600] [--skip-parked]
 *
 * 1. Throughput: `--runs` runs of a 5-task workflow (SET, SWITCH, SET, FOR over 3 with a
 *    SET inside, SET) created `--concurrency` at a time; runs/s, task transitions/s
 *    (a task entry starting or ending counts one) and create→COMPLETED p50/p99, from
 *    the timestamps the server stored (`specAudit.createdAt` → `status.completedAt`).
 *    Then the same with `--watchers` SSE watchers following the runs (one per run, the
 *    first ones), opened by this process as each run is created.
 * 2. Latency: a 3-task SET workflow at `--rate` runs/s for `--rate-seconds`; p50/p99.
 * 3. Storage: the database size (after a checkpoint, server stopped) before and after
 *    the finished runs of 1 and 2, per 10,000 finished runs, and the journal rows left.
 * 4. Parked: `--parked` runs of [WAIT `--parked-wait` s, SET] created at once; the
 *    server's RSS once every one is parked, and how long until all completed.
 * 5. Replicas (with `--postgres <server URL>`, e.g. postgres://postgres@127.0.0.1/postgres):
 *    throughput of 1 as `--runs` runs on 1 and on 2 replicas sharing a fresh PostgreSQL
 *    database, the runs created round-robin through the replicas; the ratio of the two.
 *    `--only-replicas` runs only this part.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Engine } from "@weft/engine"
import Database from "better-sqlite3"
import { Effect, Redacted } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { parseArgs } from "node:util"
import {
  BenchError,
  formatKiB,
  installCleanup,
  makeTempDir,
  runMain,
  type ServerProcess,
  startWeft
} from "./processes.js"
import { cliArgs, machine, ms, table } from "./report.js"

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    runs: { type: "string", default: "500" },
    concurrency: { type: "string", default: "32" },
    watchers: { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    "rate-seconds": { type: "string", default: "30" },
    parked: { type: "string", default: "10000" },
    "parked-wait": { type: "string", default: "600" },
    "skip-parked": { type: "boolean", default: false },
    postgres: { type: "string" },
    "only-replicas": { type: "boolean", default: false }
  }
})
const int = (name: keyof typeof values) => {
  const n = Number(values[name])
  if (!Number.isInteger(n) || n <= 0) throw new BenchError(`--${name}: "${values[name]}" must be a positive integer`)
  return n
}
const RUNS = int("runs")
const CONCURRENCY = int("concurrency")
const WATCHERS = int("watchers")
const RATE = int("rate")
const RATE_SECONDS = int("rate-seconds")
const PARKED = int("parked")
const PARKED_WAIT = int("parked-wait")

const set = (name: string, variables: Record<string, unknown>) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_SET",
  taskConfig: { variables }
})

const workflow = (name: string, tasks: ReadonlyArray<unknown>) => ({
  metadata: { name, ownerScope: "organization", org: "bench" },
  spec: { document: { dsl: "1.0.0", namespace: "bench", name, version: "1" }, tasks }
})

const FIVE_TASKS = workflow("five", [
  set("start", { n: 3 }),
  {
    name: "route",
    kind: "WORKFLOW_TASK_KIND_SWITCH",
    taskConfig: { cases: [{ name: "many", when: "${ .n > 1 }", then: "prepare" }, { name: "other", then: "finish" }] }
  },
  set("prepare", { items: [1, 2, 3] }),
  {
    name: "loop",
    kind: "WORKFLOW_TASK_KIND_FOR",
    taskConfig: { in: "${ .items }", do: [set("double", { doubled: "${ $item * 2 }" })] }
  },
  set("finish", { done: true })
])
const THREE_SETS = workflow("three", [set("a", { a: 1 }), set("b", { b: 2 }), set("c", { c: 3 })])
const PARKED_FLOW = workflow("parked", [
  { name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: PARKED_WAIT } },
  set("after", { woke: true })
])

// ---------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/**
 * One request on the keep-alive agent. A reused connection the server closed as idle just
 * as it was picked (ECONNRESET on a reused socket: the request never reached the server)
 * is retried once on a fresh one, as node's documentation advises.
 */
const request = (base: string, method: string, url: string, body?: unknown, retried = false): Promise<{ status: number; json: any }> =>
  new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(`${base}${url}`, {
      method,
      agent,
      headers: data === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(data) }
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk) => (text += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text === "" ? undefined : JSON.parse(text) }))
    })
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && error.code === "ECONNRESET") {
        request(base, method, url, body, true).then(resolve, reject)
      } else reject(error)
    })
    if (data !== undefined) req.write(data)
    req.end()
  })

const expect = async (base: string, status: number, method: string, url: string, body?: unknown) => {
  const res = await request(base, method, url, body)
  if (res.status !== status) throw new BenchError(`${method} ${url}: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json
}

/** Starts a run (named `name`, else by the server: `<instance>-<UTC time>`). */
const createRun = (base: string, workflowId: string, name?: string) =>
  expect(base, 201, "POST", "/v1/workflow-executions", {
    metadata: { ownerScope: "organization", org: "bench", ...(name === undefined ? {} : { name }) },
    spec: { workflowId }
  }).then((e) => e.metadata.id as string)

/**
 * A watcher: reads the SSE stream of `id` to its end; resolves with the events seen (also
 * when the connection breaks: a watcher is a load on the server, not a check).
 */
const watch = (base: string, id: string): Promise<number> =>
  new Promise((resolve) => {
    let events = 0
    http.get(`${base}/v1/workflow-executions/${id}/watch`, (res) => {
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (events += chunk.split("event: execution").length - 1))
      res.on("end", () => resolve(events))
      res.on("error", () => resolve(events))
    }).on("error", () => resolve(events))
  })

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Waits until no execution of the workflow is PENDING or IN_PROGRESS. */
const settled = async (base: string, workflowId: string, limitMillis: number) => {
  const started = Date.now()
  for (;;) {
    const page = await expect(
      base,
      200,
      "GET",
      `/v1/workflow-executions?workflowId=${workflowId}&phase=EXECUTION_PENDING&phase=EXECUTION_IN_PROGRESS&pageSize=1`
    )
    if (page.entries.length === 0) return
    if (Date.now() - started > limitMillis) throw new BenchError(`runs of ${workflowId} not done after ${limitMillis} ms`)
    await sleep(200)
  }
}

/** Every execution of the workflow, page by page. */
const listAll = async (base: string, workflowId: string) => {
  const all: Array<any> = []
  let token: string | undefined
  do {
    const page = await expect(
      base,
      200,
      "GET",
      `/v1/workflow-executions?workflowId=${workflowId}&pageSize=1000${token ? `&pageToken=${token}` : ""}`
    )
    all.push(...page.entries)
    token = page.nextPageToken
  } while (token !== undefined)
  return all
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

interface Figures {
  readonly runs: number
  readonly completed: number
  readonly runsPerSecond: number
  readonly transitionsPerSecond: number
  readonly p50: number
  readonly p99: number
}

/** Figures from the stored executions: their own timestamps, not this process's clock. */
const figures = (executions: ReadonlyArray<any>): Figures => {
  const completed = executions.filter((e) => e.status.phase === "EXECUTION_COMPLETED")
  const created = completed.map((e) => Date.parse(e.status.audit.specAudit.createdAt))
  const ended = completed.map((e) => Date.parse(e.status.completedAt))
  const seconds = (Math.max(...ended) - Math.min(...created)) / 1000
  const transitions = completed.reduce(
    (sum, e) =>
      sum + (e.status.tasks ?? []).reduce(
        (n: number, t: any) => n + (t.startedAt ? 1 : 0) + (t.completedAt ? 1 : 0),
        0
      ),
    0
  )
  const latencies = completed.map((_, i) => ended[i] - created[i]).sort((a, b) => a - b)
  return {
    runs: executions.length,
    completed: completed.length,
    runsPerSecond: completed.length / seconds,
    transitionsPerSecond: transitions / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99)
  }
}

/**
 * `RUNS` runs created `CONCURRENCY` at a time, round-robin through `bases` (replicas of
 * one database); `named`: the runs are named here rather than by the server.
 */
const throughput = async (
  bases: ReadonlyArray<string>,
  workflowId: string,
  watchers: number,
  named = false,
  limitMillis = 30 * 60_000
) => {
  const base = bases[0]
  let next = 0
  const watching: Array<Promise<number>> = []
  const worker = async () => {
    while (next < RUNS) {
      const via = bases[next % bases.length]
      next++
      const id = await createRun(via, workflowId, named ? `run-${next}` : undefined)
      if (watching.length < watchers) watching.push(watch(base, id))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  await settled(base, workflowId, limitMillis).catch((error) => console.log(`  ${error.message}`))
  const events = await Promise.all(watching)
  return { figures: figures(await listAll(base, workflowId)), watchers: watching.length, events }
}

const atRate = async (base: string, workflowId: string) => {
  const total = RATE * RATE_SECONDS
  const creating: Array<Promise<string>> = []
  const started = Date.now()
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE
    const wait = due - Date.now()
    if (wait > 0) await sleep(wait)
    creating.push(createRun(base, workflowId))
  }
  await Promise.all(creating)
  await settled(base, workflowId, 10 * 60_000)
  return figures(await listAll(base, workflowId))
}

/** Database size with its WAL checkpointed, and rows, with the server stopped. */
const measure = (file: string) => {
  const db = new Database(file)
  db.pragma("wal_checkpoint(TRUNCATE)")
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
  const result = {
    bytes: fs.statSync(file).size,
    executions: count("workflow_executions"),
    journalMessages: count("cluster_messages"),
    journalReplies: count("cluster_replies")
  }
  db.close()
  return result
}

const rss = (server: ServerProcess) => `${formatKiB(server.currentRssKiB())} (peak ${formatKiB(server.peakRssKiB())})`

/** Runs `statement` on the PostgreSQL database at `url`. */
const pg = <A extends object>(url: string, statement: string): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
    )
  )

/** Throughput of the 5-task workflow on `replicas` servers sharing a fresh database of the server at `serverUrl`. */
const onReplicas = async (serverUrl: string, replicas: number) => {
  const name = `weft_bench_${replicas}_${Date.now().toString(36)}`
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  await pg(serverUrl, `CREATE DATABASE ${name}`)
  const servers: Array<ServerProcess> = []
  try {
    for (let i = 1; i <= replicas; i++) {
      servers.push(await startWeft(url.toString(), {
        WEFT_RUNNER: "embedded",
        WEFT_RUNNER_ADDRESS: `bench-${i}:${i}`,
        WEFT_SECRET_KEY: Buffer.alloc(32, 7).toString("base64")
      }))
    }
    // Every replica holds its share of the shards before the clock starts.
    for (;;) {
      const held = await Effect.runPromise(
        Engine.shardHolders.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url.toString()), maxConnections: 1 })))
      )
      if (held.runners === replicas && held.shards === Engine.shards) break
      await sleep(250)
    }
    const workflowId = (await expect(servers[0].url, 201, "POST", "/v1/workflows", FIVE_TASKS)).metadata.id
    // On PostgreSQL the runs are named here: concurrent creates naming runs in the same
    // second pick the same free name (each transaction sees it free), and one gets 409.
    // Runs not done 5 minutes after the last create are left out of the figures (reported).
    return (await throughput(servers.map((server) => server.url), workflowId, 0, true, 5 * 60_000)).figures
  } finally {
    for (const server of servers) await server.stop()
    await pg(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

const replicated = async (serverUrl: string) => {
  const one = await onReplicas(serverUrl, 1)
  const two = await onReplicas(serverUrl, 2)
  console.log(`
PostgreSQL (${new URL(serverUrl).host}), 5-task runs, ${RUNS} runs, concurrency ${CONCURRENCY}:`)
  console.log(table(
    ["replicas", "runs", "completed", "runs/s", "transitions/s", "p50", "p99"],
    ([[1, one], [2, two]] as const).map(([n, x]) => [
      String(n),
      String(x.runs),
      String(x.completed),
      x.runsPerSecond.toFixed(1),
      x.transitionsPerSecond.toFixed(0),
      ms(x.p50),
      ms(x.p99)
    ])
  ))
  console.log(`2 replicas / 1 replica: ${(two.transitionsPerSecond / one.transitionsPerSecond).toFixed(2)}× the task transitions/s`)
}

const main = async () => {
  installCleanup()
  if (values["only-replicas"]) {
    if (values.postgres === undefined) throw new BenchError("--only-replicas needs --postgres <server URL>")
    console.log(`engine benchmark — ${machine()}`)
    return replicated(values.postgres)
  }
  const dir = makeTempDir("weft-engine-bench-")
  const file = path.join(dir, "weft.db")
  const env = { WEFT_RUNNER: "embedded" }
  console.log(`engine benchmark — ${machine()}`)
  console.log(`runs ${RUNS}, concurrency ${CONCURRENCY}, watchers ${WATCHERS}, rate ${RATE}/s for ${RATE_SECONDS} s\n`)

  let server = await startWeft(file, env)
  const five = (await expect(server.url, 201, "POST", "/v1/workflows", FIVE_TASKS)).metadata.id
  const fiveWatched = (await expect(server.url, 201, "POST", "/v1/workflows", { ...FIVE_TASKS, metadata: { ...FIVE_TASKS.metadata, name: "five-watched" } })).metadata.id
  const three = (await expect(server.url, 201, "POST", "/v1/workflows", THREE_SETS)).metadata.id
  const parked = (await expect(server.url, 201, "POST", "/v1/workflows", PARKED_FLOW)).metadata.id
  await server.stop()
  const before = measure(file)
  server = await startWeft(file, env)

  const plain = await throughput([server.url], five, 0)
  const watched = await throughput([server.url], fiveWatched, WATCHERS)
  const rated = await atRate(server.url, three)
  const afterRunsRss = rss(server)
  await server.stop()
  const after = measure(file)

  console.log(table(
    ["scenario", "runs", "completed", "runs/s", "transitions/s", "p50", "p99"],
    [
      ["5 tasks, no watchers", plain.figures],
      [`5 tasks, ${watched.watchers} watchers`, watched.figures],
      [`3 SETs at ${RATE}/s`, rated]
    ].map(([name, f]) => {
      const x = f as Figures
      return [name as string, String(x.runs), String(x.completed), x.runsPerSecond.toFixed(1), x.transitionsPerSecond.toFixed(0), ms(x.p50), ms(x.p99)]
    })
  ))
  const finished = after.executions - before.executions
  const perRun = (after.bytes - before.bytes) / finished
  const received = watched.events.reduce((a, b) => a + b, 0)
  console.log(`\nwatchers: ${watched.watchers}, execution events received ${received} (${(received / watched.watchers).toFixed(1)} per watcher)`)
  console.log(`server RSS after these runs: ${afterRunsRss}`)
  console.log(
    `storage: ${finished} finished runs grew the database by ${(after.bytes - before.bytes) / 1024 / 1024 | 0} MiB ` +
      `(${(perRun / 1024).toFixed(1)} KiB per run, ${((perRun * 10_000) / 1024 / 1024).toFixed(1)} MiB per 10,000 runs); ` +
      `journal rows left: ${after.journalMessages} messages, ${after.journalReplies} replies`
  )

  if (values.postgres !== undefined) await replicated(values.postgres)
  if (values["skip-parked"]) return
  server = await startWeft(file, env)
  const t0 = Date.now()
  let next = 0
  const worker = async () => {
    while (next < PARKED) {
      next++
      await createRun(server.url, parked)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const createdIn = Date.now() - t0
  // Parked: nothing PENDING any more, everything waiting in its WAIT.
  for (;;) {
    const page = await expect(server.url, 200, "GET", `/v1/workflow-executions?workflowId=${parked}&phase=EXECUTION_PENDING&pageSize=1`)
    if (page.entries.length === 0) break
    await sleep(500)
  }
  const parkedIn = Date.now() - t0
  const parkedRss = rss(server)
  const runs = await listAll(server.url, parked)
  const early = runs.filter((e) => e.status.phase !== "EXECUTION_IN_PROGRESS").length
  console.log(
    `\nparked: ${PARKED} runs created in ${(createdIn / 1000).toFixed(1)} s, all parked after ${(parkedIn / 1000).toFixed(1)} s ` +
      `(${early} already past their WAIT: raise --parked-wait if not 0); server RSS ${parkedRss}`
  )
  await settled(server.url, parked, (PARKED_WAIT + 1800) * 1000)
  const done = await listAll(server.url, parked)
  const completed = done.filter((e) => e.status.phase === "EXECUTION_COMPLETED").length
  console.log(
    `parked: ${completed}/${PARKED} COMPLETED ${((Date.now() - t0) / 1000).toFixed(1)} s after the first create; ` +
      `server RSS ${rss(server)}`
  )
  await server.stop()
}

runMain("engine bench", main)
