/**
 * What the engine counts, as Effect metrics (exported by the server at `/metrics`):
 *
 * - `weft_task_duration_seconds{kind, outcome}`: a histogram of task runs by task kind
 *   (`WORKFLOW_TASK_KIND_SET`, …) and outcome (`completed`, `failed`, `interrupted`);
 *   a task replayed after a restart is timed again (pure tasks are recomputed).
 */
import { Clock, Effect, Exit, Metric, MetricBoundaries } from "effect"

export const taskDuration = Metric.histogram(
  "weft_task_duration_seconds",
  MetricBoundaries.fromIterable([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 3600]),
  "Duration of task runs in seconds, by task kind and outcome"
)

/** Times `effect` as one run of a task of `kind`. */
export const timeTask = (kind: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (start) =>
    Effect.onExit(effect, (exit) =>
      Effect.flatMap(Clock.currentTimeMillis, (end) => {
        const outcome = Exit.isSuccess(exit) ? "completed" : Exit.isInterrupted(exit) ? "interrupted" : "failed"
        return Metric.update(
          taskDuration.pipe(Metric.tagged("kind", kind), Metric.tagged("outcome", outcome)),
          (end - start) / 1000
        )
      })))
