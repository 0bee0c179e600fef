/**
 * What a run's activities journal, with its secret values kept out of the clear. A task's
 * result is journaled until the run ends (a replay reads it back instead of running the
 * task again); one in which a secret value of `$env` occurs (an HTTP response that echoes
 * a token, say) is journaled as one `SecretBox` envelope instead, and a `TaskError`'s
 * title and detail that carry one are sealed each. Both are opened again when the result
 * is read back, executed or replayed, so the run sees what the task answered.
 */
import { SecretBox } from "@weft/resource"
import { Effect, Either } from "effect"
import * as TaskErrors from "../TaskError.js"
import { TaskError } from "../TaskError.js"

/** The key of a journaled result that was sealed: `{"weft:sealed": "<envelope>"}`. */
const sealedKey = "weft:sealed"

export interface JournalSecrets {
  /** `run`, with what it answers (or fails with) sealed when a secret occurs in it. */
  readonly seal: <A>(run: Effect.Effect<A, TaskError>) => Effect.Effect<unknown, TaskError>
  /** What `seal` answered, as the journal gives it back, opened. */
  readonly open: <A>(journaled: Effect.Effect<unknown, TaskError>) => Effect.Effect<A, TaskError>
}

const passThrough: JournalSecrets = {
  seal: (run) => run,
  open: <A>(journaled: Effect.Effect<unknown, TaskError>) => journaled as Effect.Effect<A, TaskError>
}

const isSealed = (value: unknown): value is { readonly [sealedKey]: string } =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 &&
  SecretBox.isEnvelope((value as Record<string, unknown>)[sealedKey])

export const make = (box: SecretBox.SecretBoxService, secrets: ReadonlyArray<string>): JournalSecrets => {
  // As the text occurs, and as JSON writes it (a secret with a quote or a backslash).
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
  if (forms.length === 0) return passThrough
  const carries = (text: string) => forms.some((form) => text.includes(form))
  const sealText = (text: string) => carries(text) ? box.seal(text) : text
  const openText = (text: string) =>
    SecretBox.isEnvelope(text) ? Either.getOrElse(box.open(text), () => "[secret]") : text
  const unreadable = (message: string) =>
    TaskErrors.make("activity", `the journaled result of this task cannot be opened: ${message}`)
  return {
    seal: (run) =>
      run.pipe(
        Effect.map((value) => {
          const text = JSON.stringify(value)
          return text !== undefined && carries(text) ? { [sealedKey]: box.seal(text) } : value
        }),
        Effect.mapError((error) => new TaskError({ ...error, title: sealText(error.title), detail: sealText(error.detail) }))
      ),
    open: <A>(journaled: Effect.Effect<unknown, TaskError>) =>
      journaled.pipe(
        Effect.mapError((error) => new TaskError({ ...error, title: openText(error.title), detail: openText(error.detail) })),
        Effect.flatMap((value) =>
          isSealed(value)
            ? Either.match(box.open(value[sealedKey]), {
              onLeft: (error) => Effect.fail(unreadable(error.message)),
              onRight: (text) => Effect.succeed(JSON.parse(text) as A)
            })
            : Effect.succeed(value as A)
        )
      )
  }
}
