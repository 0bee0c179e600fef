/**
 * Options every command shares, and the client built from them.
 */
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { WeftClient } from "@weft/client"
import { InvalidArgument } from "@weft/resource"
import { Config, Effect, Option } from "effect"
import { type Format, formats } from "./Output.js"

export const defaultServer = "http://127.0.0.1:8080"

/** `--server URL`, else `WEFT_SERVER`, else `http://127.0.0.1:8080`. */
export const server = Options.text("server").pipe(
  Options.withPseudoName("URL"),
  Options.withFallbackConfig(Config.string("WEFT_SERVER")),
  Options.withDefault(defaultServer),
  Options.withDescription(`The weft server (default: $WEFT_SERVER, else ${defaultServer})`)
)

/** `--token TOKEN`, else `WEFT_TOKEN`: sent as a bearer token (for servers with auth). */
export const token = Options.redacted("token").pipe(
  Options.withPseudoName("TOKEN"),
  Options.withFallbackConfig(Config.redacted("WEFT_TOKEN")),
  Options.optional,
  Options.withDescription("Bearer token for the server (default: $WEFT_TOKEN)")
)

export const connection = { server, token }

/**
 * The token of a runner's command (`weft status`): `--token`, else `WEFT_RUNNER_TOKEN`,
 * else `WEFT_TOKEN`. A shell can hold both tokens: the API token for everything else,
 * the runner token for status updates.
 */
export const runnerToken = Options.redacted("token").pipe(
  Options.withPseudoName("TOKEN"),
  Options.withFallbackConfig(Config.redacted("WEFT_RUNNER_TOKEN").pipe(Config.orElse(() => Config.redacted("WEFT_TOKEN")))),
  Options.optional,
  Options.withDescription("Bearer token for status updates (default: $WEFT_RUNNER_TOKEN, else $WEFT_TOKEN)")
)

export const runnerConnection = { server, token: runnerToken }

export interface Connection {
  readonly server: string
  readonly token: Option.Option<import("effect/Redacted").Redacted<string>>
}

/** `--org ORG`, described as `description` says. */
export const orgOption = (description: string) =>
  Options.text("org").pipe(Options.withPseudoName("ORG"), Options.optional, Options.withDescription(description))

export const org = orgOption("Organization (tenant) the resources belong to")

/** `-o table|json|yaml`; anything else is a usage error that names the option. */
export const output = Options.text("output").pipe(
  Options.withAlias("o"),
  Options.withPseudoName("FORMAT"),
  Options.withDefault("table"),
  Options.mapEffect((value): Effect.Effect<Format, ValidationError.ValidationError> =>
    (formats as ReadonlyArray<string>).includes(value)
      ? Effect.succeed(value as Format)
      : Effect.fail(ValidationError.invalidValue(
        HelpDoc.p(`--output: expected table, json or yaml, got ${JSON.stringify(value)}`)
      ))
  ),
  Options.withDescription("Output format: table, json or yaml (default: table)")
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
