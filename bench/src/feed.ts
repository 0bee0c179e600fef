/**
 * Feed delivery latency: how long after a change is committed the LAST of many clients
 * of the feed of every change (`GET /v1/workflow-executions/watch`) has it, with changes
 * arriving at a fixed rate.
 *
 *   pnpm --filter @weft/bench feed [--clients 100] [--rate 500] [--seconds 10] [--pool 500] [--inflight 64] [--memory]
 *
 * Starts weft as `pnpm start` runs it (the bundle, a temporary SQLite file, or
 * `:memory:` with `--memory` to take the disk's fsyncs out of the commit; the engine off), creates `--pool` executions, opens the clients (each ready once the feed's
 * opening comment arrived), then sends status PATCHes open-loop at `--rate` per second
 * for `--seconds`, round-robin over the pool (each a committed change: same phase, a new
 * `output.n`), at most `--inflight` at a time (as a pool of runners would: a server that
 * cannot keep up makes the run late rather than drowning in connections; the achieved
 * rate is printed). A change's commit time is when its PATCH answer arrives; its delay is from
 * then to when the last client has its event (negative when the server sends the event
 * before the answer). Also from the PATCH's send time, which includes the request itself.
 * Checks that every client got every change once, in sequence order.
 *
 * One client parses the events' data (to tie each sequence number to its PATCH); the
 * others only read `id:`. The clients and the load run in this one process; on a small
 * machine their work is part of the figures.
 */
import * as http from "node:http"
import { parseArgs } from "node:util"
import { call, createExecutionBody, expectStatus, type Target, WORKFLOW_BODY } from "./api.js"
import { BenchError, installCleanup, makeTempDir, runMain, startWeft } from "./processes.js"
import { cliArgs, machine, positiveNumber } from "./report.js"
import { onFrames } from "./sse.js"

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    clients: { type: "string", default: "100" },
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    pool: { type: "string", default: "500" },
    inflight: { type: "string", default: "64" },
    memory: { type: "boolean", default: false }
  }
})
const CLIENTS = Math.round(positiveNumber(values.clients!, "--clients"))
const RATE = positiveNumber(values.rate!, "--rate")
const SECONDS = positiveNumber(values.seconds!, "--seconds")
const POOL = Math.round(positiveNumber(values.pool!, "--pool"))
const INFLIGHT = Math.round(positiveNumber(values.inflight!, "--inflight"))
const TOTAL = Math.round(RATE * SECONDS)

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })

/** Per sequence number: how many clients have it, and when the last one got it. */
const received = new Map<number, { count: number; last: number }>()
/** The change each sequence number is, `<execution id> <version>` (from the parsing client). */
const changeOfSeq = new Map<number, string>()

interface Client {
  readonly ready: Promise<void>
  readonly problems: Array<string>
  readonly seen: () => number
  readonly close: () => void
}

const openClient = (baseUrl: string, parse: boolean): Client => {
  const problems: Array<string> = []
  let last = 0
  let seen = 0
  let ready!: () => void
  let failed!: (error: Error) => void
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve
    failed = reject
  })
  const req = http.get(`${baseUrl}/v1/workflow-executions/watch`, { agent, headers: { accept: "text/event-stream" } }, (res) => {
    if (res.statusCode !== 200) return failed(new BenchError(`feed: ${res.statusCode}`))
    onFrames(res, (frame, now) => {
      if (frame.startsWith(":")) return ready()
      const seq = Number(frame.split("\n").find((line) => line.startsWith("id:"))?.slice(3).trim())
      if (!(seq > last)) problems.push(`seq ${seq} after ${last}`)
      last = seq
      seen++
      const entry = received.get(seq)
      if (entry === undefined) received.set(seq, { count: 1, last: now })
      else {
        entry.count++
        entry.last = now
      }
      if (parse) {
        const data = JSON.parse(frame.split("\n").find((line) => line.startsWith("data:"))!.slice(5))
        changeOfSeq.set(seq, `${data.metadata.id} ${data.metadata.version}`)
      }
    })
  })
  req.on("error", (error) => failed(error))
  return { ready: readyPromise, problems, seen: () => seen, close: () => req.destroy() }
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]

const fmt = (ms: number) => `${ms.toFixed(1)} ms`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once `condition` holds (checked every 5 ms), or fails after `seconds`. */
const until = async (condition: () => boolean, seconds: number, what: string) => {
  const deadline = performance.now() + seconds * 1000
  while (!condition()) {
    if (performance.now() > deadline) throw new BenchError(`${what}: not done within ${seconds} s`)
    await sleep(5)
  }
}

const main = async () => {
  installCleanup()
  const dir = makeTempDir("weft-feed-bench-")
  process.stdout.write(
    `feed delivery: ${CLIENTS} clients, ${RATE} changes/s for ${SECONDS} s (${TOTAL} changes), ` +
      `${values.memory === true ? "database in memory" : "database on disk"}\n`
  )
  const server = await startWeft(values.memory === true ? ":memory:" : `${dir}/weft.db`)
  const target: Target = { name: "weft", server }

  const workflow = await call(target, "POST", "/v1/workflows", WORKFLOW_BODY)
  expectStatus(target, workflow, "POST", "/v1/workflows", 201)
  const ids: Array<string> = []
  for (let i = 0; i < POOL; i++) {
    const created = await call(target, "POST", "/v1/workflow-executions", createExecutionBody(workflow.json.status.defaultInstanceId))
    expectStatus(target, created, "POST", "/v1/workflow-executions", 201)
    ids.push(created.json.metadata.id)
  }

  const clients = Array.from({ length: CLIENTS }, (_, i) => openClient(server.url, i === 0))
  await Promise.all(clients.map((client) => client.ready))

  // Open loop: each PATCH leaves at its due time, whatever the answers before it.
  const sentAt = new Map<string, number>()
  const answeredAt = new Map<string, number>()
  const failures: Array<string> = []
  const started = performance.now()
  let sent = 0
  let inFlight = 0
  let lateMs = 0
  while (sent < TOTAL) {
    const now = performance.now()
    const due = Math.min(TOTAL, Math.floor(((now - started) / 1000) * RATE) + 1)
    if (due - sent > 1) lateMs = Math.max(lateMs, now - (started + ((sent + 1) / RATE) * 1000))
    for (; sent < due && inFlight < INFLIGHT; sent++) {
      const id = ids[sent % POOL]
      const at = performance.now()
      inFlight++
      void call(target, "PATCH", `/v1/workflow-executions/${id}/status`, {
        phase: "EXECUTION_IN_PROGRESS",
        output: { n: sent }
      }).then((answer) => {
        inFlight--
        if (answer.status !== 200) return void failures.push(`PATCH ${id}: ${answer.status} ${answer.text}`)
        const change = `${id} ${answer.json.metadata.version}`
        sentAt.set(change, at)
        answeredAt.set(change, performance.now())
      }, (error: Error) => {
        inFlight--
        failures.push(error.message)
      })
    }
    await sleep(1)
  }
  await until(() => answeredAt.size + failures.length >= TOTAL, 120, "answers to the PATCHes")
  const sendSeconds = (performance.now() - started) / 1000
  if (failures.length > 0) throw new BenchError(`${failures.length} PATCHes failed, e.g. ${failures[0]}`)
  await until(() => clients.every((client) => client.seen() >= TOTAL), 120, "delivery to every client")
  for (const client of clients) client.close()

  const fromAnswer: Array<number> = []
  const fromSend: Array<number> = []
  for (const [seq, { count, last }] of received) {
    if (count !== CLIENTS) throw new BenchError(`seq ${seq}: ${count} of ${CLIENTS} clients got it`)
    const change = changeOfSeq.get(seq)!
    fromAnswer.push(last - answeredAt.get(change)!)
    fromSend.push(last - sentAt.get(change)!)
  }
  const bad = clients.filter((client) => client.problems.length > 0 || client.seen() !== TOTAL)
  if (received.size !== TOTAL || bad.length > 0) {
    throw new BenchError(`${bad.length} clients saw something else than ${TOTAL} changes once each, in order: ` +
      `${bad[0]?.problems.slice(0, 3).join("; ")}`)
  }
  fromAnswer.sort((a, b) => a - b)
  fromSend.sort((a, b) => a - b)
  process.stdout.write(
    `${TOTAL} changes sent in ${sendSeconds.toFixed(1)} s (${(TOTAL / sendSeconds).toFixed(0)}/s, at most ` +
      `${lateMs.toFixed(0)} ms behind schedule); every client got every change once, in order\n` +
      `from commit (PATCH answer) to the last of ${CLIENTS} clients: ` +
      `p50 ${fmt(percentile(fromAnswer, 50))}   p99 ${fmt(percentile(fromAnswer, 99))}   max ${fmt(fromAnswer.at(-1)!)}\n` +
      `from the PATCH's send to the last client:           ` +
      `p50 ${fmt(percentile(fromSend, 50))}   p99 ${fmt(percentile(fromSend, 99))}   max ${fmt(fromSend.at(-1)!)}\n` +
      `${machine()}\n`
  )
  agent.destroy()
  await server.stop()
}

runMain("feed bench", main)
