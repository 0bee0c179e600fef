/**
 * Turns every error answer of the server into its canonical typed error, from the
 * contract's `{code, message}` body (the HTTP status decides when the body has no known
 * code, e.g. an error page of a proxy).
 */
import { type HttpClientResponse } from "@effect/platform"
import {
  Aborted,
  AlreadyExists,
  type CanonicalError,
  FailedPrecondition,
  Internal,
  InvalidArgument,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Unauthenticated,
  Unavailable
} from "@weft/resource"
import { Effect } from "effect"

type Make = (message: string) => CanonicalError

const byCode: Record<string, Make> = {
  INVALID_ARGUMENT: (message) => new InvalidArgument({ message }),
  UNAUTHENTICATED: (message) => new Unauthenticated({ message }),
  PERMISSION_DENIED: (message) => new PermissionDenied({ message }),
  NOT_FOUND: (message) => new NotFound({ message }),
  ALREADY_EXISTS: (message) => new AlreadyExists({ message }),
  FAILED_PRECONDITION: (message) => new FailedPrecondition({ message }),
  ABORTED: (message) => new Aborted({ message }),
  PAYLOAD_TOO_LARGE: (message) => new PayloadTooLarge({ message }),
  INTERNAL: (message) => new Internal({ message }),
  UNAVAILABLE: (message) => new Unavailable({ message })
}

const byStatus: Record<number, Make> = {
  400: byCode.INVALID_ARGUMENT,
  401: byCode.UNAUTHENTICATED,
  403: byCode.PERMISSION_DENIED,
  404: byCode.NOT_FOUND,
  409: byCode.FAILED_PRECONDITION,
  412: byCode.ABORTED,
  413: byCode.PAYLOAD_TOO_LARGE,
  503: byCode.UNAVAILABLE
}

/** The canonical error a `code` names, if it names one. */
export const fromCode = (code: string, message: string): CanonicalError | undefined => byCode[code]?.(message)

/** The canonical error of an error answer (status ≥ 400) from its status and body text. */
export const fromAnswer = (status: number, text: string): CanonicalError => {
  let body: { readonly code?: unknown; readonly message?: unknown } | undefined
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "object" && parsed !== null) body = parsed
  } catch {
    body = undefined
  }
  const snippet = text.trim().slice(0, 200)
  const message = typeof body?.message === "string"
    ? body.message
    : snippet === ""
    ? `HTTP ${status}`
    : `HTTP ${status}: ${snippet}`
  const make = (typeof body?.code === "string" ? byCode[body.code] : undefined) ??
    byStatus[status] ??
    (status >= 500 ? byCode.INTERNAL : byCode.INVALID_ARGUMENT)
  return make(message)
}

/** Fails with the canonical error when the answer is an error; passes success answers on. */
export const failOnErrorStatus = <E, R>(
  effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>
): Effect.Effect<HttpClientResponse.HttpClientResponse, E | CanonicalError, R> =>
  Effect.flatMap(effect, (response) =>
    response.status < 400
      ? Effect.succeed(response)
      : Effect.flatMap(
        Effect.orElseSucceed(response.text, () => ""),
        (text) => Effect.fail(fromAnswer(response.status, text))
      ))
