/**
 * How the command line fails: one line on stderr, `error: <CODE>: <message>`, and a
 * non-zero exit code. Server errors keep their canonical code; transport failures are
 * reported as UNAVAILABLE (server unreachable) or INTERNAL (an answer that does not
 * decode); local mistakes (a bad file, an unknown kind) as INVALID_ARGUMENT.
 */
import { Data, Effect, ParseResult } from "effect"
import * as Stdio from "./Stdio.js"

/** A failure already described by its message; exits with `exitCode`. */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode: number
}> {}

/** Ends the command with `exitCode` without printing anything more. */
export class SilentExit extends Data.TaggedError("SilentExit")<{ readonly exitCode: number }> {}

/** Exit code of usage errors (unknown option, missing argument). */
export const usageExitCode = 2

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** `CODE: message` for any failure a command can end with. */
export const describe = (error: unknown): string => {
  if (!isRecord(error)) return `INTERNAL: ${String(error)}`
  if (typeof error.code === "string" && typeof error.message === "string" && /^[A-Z_]+$/.test(error.code)) {
    return `${error.code}: ${error.message}`
  }
  switch (error._tag) {
    case "CliFailure":
      return String(error.message)
    case "RequestError": {
      const request = error.request as { readonly url?: string } | undefined
      const cause = error.cause as { readonly cause?: { readonly code?: string; readonly message?: string }; readonly message?: string } | undefined
      const reason = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? String(error.message)
      const where = request?.url === undefined ? "" : ` at ${new URL(request.url).origin}`
      return `UNAVAILABLE: cannot reach the weft server${where} (${reason})`
    }
    case "ResponseError":
      return `INTERNAL: unexpected answer from the server: ${String(error.message)}`
    case "ParseError":
      return `INTERNAL: unexpected answer from the server: ${
        ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : String(error.message)
      }`
    case "SystemError":
    case "BadArgument":
      return `INVALID_ARGUMENT: ${String(error.message)}`
  }
  return typeof error.message === "string" && error.message !== "" ? `INTERNAL: ${error.message}` : `INTERNAL: ${String(error)}`
}

/** Prints the failure (unless it is silent) and answers the exit code. */
export const report = (error: unknown): Effect.Effect<number> => {
  if (isRecord(error) && error._tag === "SilentExit") return Effect.succeed((error as unknown as SilentExit).exitCode)
  const exitCode = isRecord(error) && error._tag === "CliFailure" ? (error as unknown as CliFailure).exitCode : 1
  return Effect.as(Stdio.err(`error: ${describe(error)}`), exitCode)
}

/** The useful part of a file system error: `ENOENT: no such file or directory, open 'x'`. */
export const fileError = (error: { readonly message: string; readonly description?: string | undefined }): string =>
  error.description ?? error.message
