/**
 * Expressions throughput: calls/s of the engine's `Expressions` service, with its cache of
 * compiled forms and without it, for a plain path and a string concatenation (answered in
 * JavaScript), a jq expression (in jq's worker thread), and a value with several
 * expressions (those JavaScript cannot answer go to jq in one call), beside bare jq-web
 * called in this thread.
 *
 *   pnpm --filter @weft/bench expressions [--seconds 2]
 */
import { Expressions } from "@weft/engine"
import { Effect } from "effect"
import { createRequire } from "node:module"

const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 2

const input = {
  user: { name: "Ada", email: "ada@example.com" },
  items: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, price: i + 0.5, qty: (i % 3) + 1 }))
}
const scope: Expressions.Scope = {
  input,
  variables: { input, env: { TOKEN: "t", REGION: "eu" }, context: { account: { id: 42 } }, workflow: { id: "wex-1" } }
}
const setVariables = {
  total: "${ .items | map(.price * .qty) | add }",
  email: "${ .user.email | ascii_downcase }",
  auth: "${ \"Bearer \" + $env.TOKEN }",
  account: "${ $context.account.id }",
  name: "${ .user.name }",
  literal: "unchanged"
}

/** Runs `f` repeatedly for the measuring time; answers calls per second. */
const measure = async (f: () => Promise<unknown> | unknown): Promise<number> => {
  for (let i = 0; i < 50; i++) await f()
  let calls = 0
  const start = performance.now()
  const end = start + seconds * 1000
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await f()
    calls += 50
  }
  return calls / ((performance.now() - start) / 1000)
}

const service = (cacheSize?: number) =>
  Effect.runPromise(
    Effect.provide(Expressions.Expressions, cacheSize === undefined ? Expressions.layer : Expressions.layerWith({ cacheSize }))
  )

const main = async () => {
  const cached = await service()
  const uncached = await service(0)
  const jq = await (createRequire(import.meta.url)("jq-web") as Promise<{ raw: (json: string, filter: string, flags: Array<string>) => string }>)
  // Answers in JavaScript are synchronous effects; jq answers come from its worker thread.
  const sync = (e: Expressions.ExpressionsShape, source: string) => () => Effect.runSync(e.evaluate(source, scope))
  const run = (e: Expressions.ExpressionsShape, source: string) => () => Effect.runPromise(e.evaluate(source, scope))
  const resolve = (e: Expressions.ExpressionsShape) => () => Effect.runPromise(e.resolve(setVariables, scope))
  const oneByOne = (e: Expressions.ExpressionsShape) => async () => {
    for (const value of Object.values(setVariables)) {
      if (Expressions.isExpression(value)) await Effect.runPromise(e.evaluate(value, scope))
    }
  }
  const rows: Array<[string, number, number | undefined]> = [
    ["plain path  ${ .user.name }", await measure(sync(cached, "${ .user.name }")), await measure(sync(uncached, "${ .user.name }"))],
    [
      "jq  ${ .items | map(.price * .qty) | add }",
      await measure(run(cached, setVariables.total)),
      await measure(run(uncached, setVariables.total))
    ],
    [
      "concat  ${ \"Bearer \" + $env.TOKEN }",
      await measure(sync(cached, setVariables.auth)),
      await measure(sync(uncached, setVariables.auth))
    ],
    ["SET of 5 expressions, batched (resolve)", await measure(resolve(cached)), await measure(resolve(uncached))],
    ["SET of 5 expressions, one call each", await measure(oneByOne(cached)), undefined],
    [
      "bare jq-web raw in this thread (no variables)",
      await measure(() => jq.raw(JSON.stringify(input), ".items | map(.price * .qty) | add", ["-c"])),
      undefined
    ]
  ]
  const fmt = (n: number | undefined) => (n === undefined ? "" : Math.round(n).toLocaleString("en-US"))
  console.log(`Expressions, calls/s over ${seconds} s each (Node ${process.version})`)
  console.log(["what", "cached", "uncached"].map((h, i) => (i === 0 ? h.padEnd(44) : h.padStart(10))).join(" "))
  for (const [what, a, b] of rows) console.log(`${what.padEnd(44)} ${fmt(a).padStart(10)} ${fmt(b).padStart(10)}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
