/** A workflow's task graph as SVG, each task coloured by its state in a run when given. */
import { useMemo } from "preact/hooks"
import type { TaskDef, TaskEntry } from "../api/types.js"
import { taskStatusClass, taskStatusLabel } from "../lib/format.js"
import { layout, NODE_H, type NodeState, nodeStates } from "../lib/graph.js"

export interface TaskGraphProps {
  readonly tasks: ReadonlyArray<TaskDef>
  readonly entries?: ReadonlyArray<TaskEntry>
  readonly onSelect?: (taskId: string) => void
}

const latest = (state: NodeState | undefined) => {
  if (state === undefined) return undefined
  const started = state.entries.filter((e) => e.startedAt !== undefined)
  const pick = started.length > 0
    ? started.reduce((a, b) => (b.startedAt! > a.startedAt! ? b : a))
    : state.entries[state.entries.length - 1]
  return pick.taskId ?? pick.taskName
}

const clip = (text: string, max: number) => text.length > max ? `${text.slice(0, max - 1)}…` : text

export const TaskGraph = ({ tasks, entries, onSelect }: TaskGraphProps) => {
  const graph = useMemo(() => layout(tasks), [tasks])
  const states = useMemo(() => nodeStates(graph.nodes, entries ?? []), [graph, entries])
  if (graph.nodes.length === 0) return <p class="muted">This workflow has no tasks.</p>
  return (
    <div class="graph-wrap">
      <svg
        class="graph"
        role="img"
        aria-label="Task graph"
        viewBox={`0 0 ${graph.width} ${graph.height}`}
        width={graph.width}
        height={graph.height}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {graph.nodes.filter((n) => n.composite).map((node) => {
          const state = states.get(node.key)
          return (
            <g key={node.key} class={`gnode composite task-${taskStatusClass(state?.status)}`} data-node={node.key} data-status={state?.status}>
              <rect x={node.x} y={node.y} width={node.w} height={node.h} rx="8" class="gbox" />
              <text x={node.x + 10} y={node.y + 18} class="gname">{clip(node.name, 40)}</text>
              <text x={node.x + 10} y={node.y + 34} class="gkind">
                {node.kind}
                {state !== undefined ? ` · ${taskStatusLabel(state.status)}` : ""}
              </text>
            </g>
          )
        })}
        {graph.labels.map((label) => <text x={label.x} y={label.y} class="glabel">{label.text}</text>)}
        {graph.edges.map((edge) => (
          <g class={`gedge ${edge.kind}`} key={`${edge.from}>${edge.to}:${edge.label ?? ""}`}>
            <polyline points={edge.points.map(([x, y]) => `${x},${y}`).join(" ")} marker-end="url(#arrow)" />
            {edge.label !== undefined && edge.points.length > 1 && (
              <text x={edge.points[1][0] + 3} y={(edge.points[1][1] + edge.points[2][1]) / 2} class="gedge-label">
                {clip(edge.label, 14)}
              </text>
            )}
          </g>
        ))}
        {graph.nodes.filter((n) => !n.composite).map((node) => {
          const state = states.get(node.key)
          const target = latest(state)
          const count = state?.entries.length ?? 0
          const select = target === undefined || onSelect === undefined ? undefined : () => onSelect(target)
          return (
            <g
              key={node.key}
              class={`gnode task-${taskStatusClass(state?.status)}${select === undefined ? "" : " clickable"}`}
              data-node={node.key}
              data-status={state?.status}
              tabindex={select === undefined ? undefined : 0}
              role={select === undefined ? undefined : "button"}
              aria-label={`${node.name} (${node.kind})${state === undefined ? "" : `: ${taskStatusLabel(state.status)}`}`}
              onClick={select}
              onKeyDown={select === undefined ? undefined : (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), select())}
            >
              <rect x={node.x} y={node.y} width={node.w} height={NODE_H} rx="6" class="gbox" />
              <text x={node.x + 10} y={node.y + 17} class="gname">{clip(node.name, 22)}</text>
              <text x={node.x + 10} y={node.y + 33} class="gkind">
                {node.kind}
                {count > 1 ? ` · ×${count}` : ""}
                {node.stop !== undefined ? ` → ${node.stop}` : ""}
              </text>
            </g>
          )
        })}
      </svg>
    </div>
  )
}
