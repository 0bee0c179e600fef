/**
 * A TCP proxy in front of a server, to drop a client's connections on purpose: `down`
 * cuts every open connection and refuses new ones (each is reset at once), `up` lets
 * them through again. Closed with the scope.
 */
import { Effect } from "effect"
import * as net from "node:net"

export interface Proxy {
  /** `http://127.0.0.1:<its port>`. */
  readonly url: string
  readonly down: Effect.Effect<void>
  readonly up: Effect.Effect<void>
  /** How many connections it has accepted in all (refused ones included). */
  readonly connections: () => number
}

export const make = (target: string): Effect.Effect<Proxy, Error, import("effect/Scope").Scope> =>
  Effect.gen(function*() {
    const { hostname, port } = new URL(target)
    const open = new Set<net.Socket>()
    let refusing = false
    let connections = 0
    const server = net.createServer((client) => {
      connections++
      if (refusing) return void client.resetAndDestroy()
      const upstream = net.connect(Number(port), hostname)
      open.add(client)
      open.add(upstream)
      const close = () => {
        client.destroy()
        upstream.destroy()
        open.delete(client)
        open.delete(upstream)
      }
      client.on("error", close).on("close", close)
      upstream.on("error", close).on("close", close)
      client.pipe(upstream).pipe(client)
    })
    const listening = yield* Effect.acquireRelease(
      Effect.async<number, Error>((resume) => {
        server.once("error", (error) => resume(Effect.fail(error)))
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of open) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      url: `http://127.0.0.1:${listening}`,
      down: Effect.sync(() => {
        refusing = true
        for (const socket of open) socket.destroy()
        open.clear()
      }),
      up: Effect.sync(() => void (refusing = false)),
      connections: () => connections
    }
  })
