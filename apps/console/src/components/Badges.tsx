import type { Phase, TaskStatus } from "../api/types.js"
import { phaseClass, phaseLabel, taskStatusClass, taskStatusLabel } from "../lib/format.js"

export const PhaseBadge = ({ phase }: { readonly phase: Phase | undefined }) => (
  <span class={`badge phase-${phaseClass(phase)}`} data-phase={phase}>
    {phaseLabel(phase)}
  </span>
)

export const TaskBadge = ({ status }: { readonly status: TaskStatus | undefined }) => (
  <span class={`badge task-${taskStatusClass(status)}`} data-status={status}>
    {taskStatusLabel(status)}
  </span>
)

export const Live = ({ state, title }: { readonly state: string; readonly title: string }) => (
  <span class={`live live-${state}`} title={title} data-live={state}>
    <span class="dot" aria-hidden="true" />
    {state}
  </span>
)
