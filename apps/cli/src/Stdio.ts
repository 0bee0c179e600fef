/**
 * Where the commands print: lines to stdout and stderr, written straight to the process
 * streams, and `flush`, which the entry point waits for before it exits, so that output
 * piped into another program (`weft list wf -o json | jq`) is never cut short.
 */
import { Effect } from "effect"

/** Writes `text` and a newline to stdout. */
export const out = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(`${text}\n`))

/** Writes `text` and a newline to stderr. */
export const err = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stderr.write(`${text}\n`))

/** Writes `text` as it is to stdout. */
export const write = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(text))

/**
 * Resolves once everything written to `stream` so far has been handed to the operating
 * system. On a pipe, writes are asynchronous: exiting before this loses the tail.
 */
const drained = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    // Write callbacks run in order: this one runs after every earlier chunk is written.
    stream.write("", () => resolve())
  })

/** Waits until stdout and stderr are written out. */
export const flush = (): Promise<void> => Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => undefined)
