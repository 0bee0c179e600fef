/** A run's tasks on one time scale: a row per task entry, nested ones indented. */
import type { Execution } from "../api/types.js"
import { duration, taskStatusClass } from "../lib/format.js"
import { timeline } from "../lib/timeline.js"
import { TaskBadge } from "./Badges.js"

export interface TimelineProps {
  readonly execution: Execution
  readonly now: number
  readonly selected: string | undefined
  readonly onSelect: (taskId: string) => void
}

export const Timeline = ({ execution, now, selected, onSelect }: TimelineProps) => {
  const { rows, span } = timeline(execution, now)
  if (rows.length === 0) return <p class="muted">No tasks reported yet.</p>
  const ticks = span > 0 ? [0, 0.25, 0.5, 0.75, 1] : []
  return (
    <div class="timeline" role="group" aria-label="Task timeline">
      <div class="tl-axis" aria-hidden="true">
        <span />
        <div class="tl-scale">
          {ticks.map((t) => <span style={{ left: `${t * 100}%` }}>{duration(t * span)}</span>)}
        </div>
      </div>
      {rows.map((row) => {
        const took = row.start !== undefined && row.end !== undefined ? row.end - row.start : undefined
        const runs = row.entry.metadata?.["runs"]
        return (
          <button
            type="button"
            key={row.id}
            class={`tl-row${selected === row.id ? " selected" : ""}`}
            data-task={row.id}
            data-status={row.entry.status}
            aria-pressed={selected === row.id}
            aria-label={`${row.id}: ${row.entry.status ?? "unknown"}${took === undefined ? "" : `, ${duration(took)}`}`}
            onClick={() => onSelect(row.id)}
          >
            <span class="tl-name" style={{ paddingLeft: `${row.depth * 16}px` }} title={row.id}>
              {row.depth > 0 && <span class="tl-branch" aria-hidden="true">└</span>}
              {row.label}
              {runs !== undefined && runs !== "1" && <span class="sub"> ×{runs}</span>}
            </span>
            <span class="tl-track">
              {row.offset !== undefined && (
                <span
                  class={`tl-bar task-${taskStatusClass(row.entry.status)}`}
                  style={{ left: `${row.offset * 100}%`, width: `max(3px, ${(row.width ?? 0) * 100}%)` }}
                />
              )}
            </span>
            <span class="tl-meta">
              <TaskBadge status={row.entry.status} />
              <span class="num">{took === undefined ? "" : duration(took)}</span>
            </span>
          </button>
        )
      })}
    </div>
  )
}
