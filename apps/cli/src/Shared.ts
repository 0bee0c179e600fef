/**
 * Options every command shares, and the client built from them.
 */
import { Options } from "@effect/cli"
import { WeftClient } from "@weft/client"
import { InvalidArgument } from "@weft/resource"
import { Config, Effect, Option } from "effect"
import { type Format, formats } from "./Output.js"

export const defaultServer = "http://127.0.0.1:8080"

/** `--server URL`, else `WEFT_SERVER`, else `http://127.0.0.1:8080`. */
export const server = Options.text("server").pipe(
  Options.withFallbackConfig(Config.string("WEFT_SERVER")),
  Options.withDefault(defaultServer),
  Options.withDescription(`The weft server (default: $WEFT_SERVER, else ${defaultServer})`)
)

/** `--token TOKEN`, else `WEFT_TOKEN`: sent as a bearer token (for servers with auth). */
export const token = Options.redacted("token").pipe(
  Options.withFallbackConfig(Config.redacted("WEFT_TOKEN")),
  Options.optional,
  Options.withDescription("Bearer token for the server (default: $WEFT_TOKEN)")
)

export const connection = { server, token }

export interface Connection {
  readonly server: string
  readonly token: Option.Option<import("effect/Redacted").Redacted<string>>
}

export const org = Options.text("org").pipe(
  Options.optional,
  Options.withDescription("Organization (tenant) the resources belong to")
)

export const output = Options.choice("output", formats).pipe(
  Options.withAlias("o"),
  Options.withDefault<Format>("table"),
  Options.withDescription("Output format: table, json or yaml")
)

/** Runs `effect` with a client of the server the connection options name. */
export const withClient = <A, E, R>(
  connection: Connection,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | InvalidArgument, Exclude<R, WeftClient.WeftClient>> =>
  Effect.suspend((): Effect.Effect<A, E | InvalidArgument, Exclude<R, WeftClient.WeftClient>> => {
    let url: URL
    try {
      url = new URL(connection.server)
    } catch {
      return Effect.fail(new InvalidArgument({ message: `--server: not a URL: ${connection.server}` }))
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Effect.fail(new InvalidArgument({ message: `--server: expected an http(s) URL, got ${connection.server}` }))
    }
    return Effect.provide(
      effect,
      WeftClient.layerFetch({ baseUrl: url.href, token: Option.getOrUndefined(connection.token) })
    )
  })
