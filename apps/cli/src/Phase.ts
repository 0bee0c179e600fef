/**
 * Phases and task statuses as typed on the command line: `IN_PROGRESS`, `in-progress`,
 * `EXECUTION_IN_PROGRESS` or the proto number are all the same phase.
 */
import { InvalidArgument } from "@weft/resource"
import { WorkflowExecution } from "@weft/workflowexecution"
import { Effect } from "effect"

const normalize = <const Names extends ReadonlyArray<string>>(
  names: Names,
  prefix: string,
  what: string
) =>
(input: string): Effect.Effect<Names[number], InvalidArgument> => {
  const trimmed = input.trim()
  if (/^\d+$/.test(trimmed)) {
    const name = names[Number(trimmed) - 1]
    if (name !== undefined) return Effect.succeed(name)
  }
  const upper = trimmed.toUpperCase().replace(/[-\s]/g, "_")
  const full = upper.startsWith(prefix) ? upper : `${prefix}${upper}`
  return names.includes(full)
    ? Effect.succeed(full as Names[number])
    : Effect.fail(
      new InvalidArgument({
        message: `unknown ${what} "${input}"; expected one of ${names.map((n) => n.slice(prefix.length)).join(", ")}`
      })
    )
}

export const parsePhase = normalize(WorkflowExecution.PhaseNames, "EXECUTION_", "phase")

export const parseTaskStatus = normalize(WorkflowExecution.TaskStatusNames, "WORKFLOW_TASK_", "task status")

/** `--phase A --phase B,C` → the phases. */
export const parsePhases = (inputs: ReadonlyArray<string>) =>
  Effect.forEach(inputs.flatMap((s) => s.split(",")).filter((s) => s.trim() !== ""), parsePhase)
