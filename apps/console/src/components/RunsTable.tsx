import type { Execution } from "../api/types.js"
import type { Directory } from "../lib/directory.js"
import { ago, createdAt, dateTime, duration, runDuration } from "../lib/format.js"
import { PhaseBadge } from "./Badges.js"

export interface RunsTableProps {
  readonly entries: ReadonlyArray<Execution>
  readonly now: number
  readonly directory: Directory
  readonly caption: string
  readonly showWorkflow?: boolean
}

export const RunsTable = ({ entries, now, directory, caption, showWorkflow = true }: RunsTableProps) => (
  <table class="table runs" aria-label={caption}>
    <thead>
      <tr>
        <th scope="col">Run</th>
        <th scope="col">Phase</th>
        {showWorkflow && <th scope="col">Workflow</th>}
        <th scope="col">Instance</th>
        <th scope="col">Org</th>
        <th scope="col">Created</th>
        <th scope="col" class="num">Duration</th>
      </tr>
    </thead>
    <tbody>
      {entries.map((run) => {
        const workflow = directory.workflow(run.spec.workflowId)
        const instance = directory.instance(run.spec.workflowInstanceId)
        const took = runDuration(run, now)
        return (
          <tr key={run.metadata.id} data-id={run.metadata.id} data-phase={run.status.phase}>
            <td>
              <a href={`/runs/${run.metadata.id}`} class="strong">{run.metadata.name}</a>
              <div class="sub mono">{run.metadata.id}</div>
            </td>
            <td>
              <PhaseBadge phase={run.status.phase} />
            </td>
            {showWorkflow && (
              <td>
                {run.spec.workflowId === undefined
                  ? "–"
                  : <a href={`/workflows/${run.spec.workflowId}`}>{workflow?.metadata.name ?? run.spec.workflowId}</a>}
              </td>
            )}
            <td>
              {run.spec.workflowInstanceId === undefined
                ? "–"
                : <a href={`/instances/${run.spec.workflowInstanceId}`}>{instance?.metadata.name ?? run.spec.workflowInstanceId}</a>}
            </td>
            <td>{run.metadata.org ?? "–"}</td>
            <td title={dateTime(createdAt(run))}>{ago(createdAt(run), now)}</td>
            <td class="num" title={took === undefined ? "not started" : undefined}>{took === undefined ? "–" : duration(took)}</td>
          </tr>
        )
      })}
    </tbody>
  </table>
)
