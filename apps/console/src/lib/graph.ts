/**
 * A workflow's task graph, laid out for a small SVG: each task list is a column, top to
 * bottom in document order; `flow.then` jumps and SWITCH cases are arrows in lanes to
 * the right of their column; FOR, FORK and TRY are boxes holding their nested lists
 * (FORK branches and TRY's try/catch side by side). Pure: positions only.
 */
import type { TaskDef, TaskEntry, TaskStatus } from "../api/types.js"
import { kindLabel } from "./format.js"

export const NODE_W = 176
export const NODE_H = 42
const V_GAP = 30
const H_GAP = 20
const PAD = 12
const HEADER = 46
const LABEL_H = 20
const LANE = 12

export interface GraphNode {
  /** Names from the top (FORK branch names included): `loop/notify`. Unique in a document. */
  readonly key: string
  readonly path: ReadonlyArray<string>
  readonly name: string
  readonly kind: string
  readonly composite: boolean
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  /** `end` or `exit`, shown on the node. */
  readonly stop?: string
}

export interface GraphEdge {
  readonly from: string
  readonly to: string
  readonly kind: "next" | "jump"
  readonly label?: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

export interface GraphLabel {
  readonly text: string
  readonly x: number
  readonly y: number
}

export interface GraphLayout {
  readonly nodes: ReadonlyArray<GraphNode>
  readonly edges: ReadonlyArray<GraphEdge>
  readonly labels: ReadonlyArray<GraphLabel>
  readonly width: number
  readonly height: number
}

interface Out {
  nodes: Array<GraphNode>
  edges: Array<GraphEdge>
  labels: Array<GraphLabel>
}

interface Block {
  readonly w: number
  readonly h: number
  /** Places the block with its top-left corner at (x, y); returns its node's key, if it is one. */
  readonly place: (x: number, y: number, out: Out) => GraphNode | undefined
}

const asList = (value: unknown): ReadonlyArray<TaskDef> =>
  Array.isArray(value) ? value.filter((t): t is TaskDef => typeof t === "object" && t !== null && typeof t.name === "string") : []

const config = (task: TaskDef) => (task.taskConfig ?? {}) as Record<string, any>

interface Sublist {
  readonly label: string
  readonly tasks: ReadonlyArray<TaskDef>
  readonly segment: ReadonlyArray<string>
}

/** The nested lists of a composite task, or none. */
export const sublists = (task: TaskDef): ReadonlyArray<Sublist> => {
  const c = config(task)
  switch (kindLabel(task.kind)) {
    case "FOR":
      return [{ label: `for each ${c.each ?? "item"}`, tasks: asList(c.do), segment: [] }]
    case "FORK":
      return (Array.isArray(c.branches) ? c.branches : []).map((b: any) => ({
        label: `branch ${String(b?.name ?? "")}`,
        tasks: asList(b?.do),
        segment: [String(b?.name ?? "")]
      }))
    case "TRY":
      return [
        { label: "try", tasks: asList(c.try), segment: [] },
        { label: "catch", tasks: asList(c.catch?.do), segment: [] }
      ]
    default:
      return []
  }
}

const taskBlock = (task: TaskDef, path: ReadonlyArray<string>): Block => {
  const lists = sublists(task)
  const stop = task.flow?.then === "end" || task.flow?.then === "exit" ? task.flow.then : undefined
  const base = (x: number, y: number, w: number, h: number, composite: boolean): GraphNode => ({
    key: path.join("/"),
    path,
    name: task.name,
    kind: kindLabel(task.kind),
    composite,
    x,
    y,
    w,
    h,
    ...(stop === undefined ? {} : { stop })
  })
  if (lists.length === 0) {
    return {
      w: NODE_W,
      h: NODE_H,
      place: (x, y, out) => {
        const node = base(x, y, NODE_W, NODE_H, false)
        out.nodes.push(node)
        return node
      }
    }
  }
  const inner = lists.map((list) => listBlock(list.tasks, [...path, ...list.segment]))
  const innerW = inner.reduce((sum, b) => sum + b.w, 0) + H_GAP * (inner.length - 1)
  const innerH = Math.max(...inner.map((b) => b.h), 0)
  const w = Math.max(NODE_W, innerW + 2 * PAD)
  const h = HEADER + LABEL_H + innerH + PAD
  return {
    w,
    h,
    place: (x, y, out) => {
      const node = base(x, y, w, h, true)
      out.nodes.push(node)
      let cx = x + (w - innerW) / 2
      inner.forEach((block, i) => {
        out.labels.push({ text: lists[i].label, x: cx, y: y + HEADER + 12 })
        block.place(cx, y + HEADER + LABEL_H, out)
        cx += block.w + H_GAP
      })
      return node
    }
  }
}

const listBlock = (tasks: ReadonlyArray<TaskDef>, path: ReadonlyArray<string>): Block => {
  const blocks = tasks.map((task) => taskBlock(task, [...path, task.name]))
  const index = new Map(tasks.map((task, i) => [task.name, i]))
  interface Arrow {
    readonly from: number
    readonly to: number
    readonly label?: string
  }
  const straight: Array<Arrow> = []
  const jumps: Array<Arrow> = []
  tasks.forEach((task, i) => {
    const targetOf = (then: string | undefined): number | undefined =>
      then === undefined || then === "continue" ? (i + 1 < tasks.length ? i + 1 : undefined) : index.get(then)
    const add = (then: string | undefined, label?: string) => {
      const to = targetOf(then)
      if (to === undefined) return
      const arrow = label === undefined ? { from: i, to } : { from: i, to, label }
      if (to === i + 1 && label === undefined) straight.push(arrow)
      else jumps.push(arrow)
    }
    if (kindLabel(task.kind) === "SWITCH") {
      const cases: Array<any> = Array.isArray(config(task).cases) ? config(task).cases : []
      for (const c of cases) add(typeof c?.then === "string" ? c.then : undefined, String(c?.name ?? ""))
      const fallback = task.flow?.then
      if (fallback !== "end" && fallback !== "exit") add(fallback, cases.length > 0 ? "otherwise" : undefined)
    } else if (task.flow?.then !== "end" && task.flow?.then !== "exit") {
      add(task.flow?.then)
    }
  })
  const contentW = Math.max(NODE_W, ...blocks.map((b) => b.w))
  const w = contentW + (jumps.length > 0 ? jumps.length * LANE + 10 : 0)
  const h = blocks.reduce((sum, b) => sum + b.h, 0) + V_GAP * Math.max(0, blocks.length - 1)
  return {
    w,
    h,
    place: (x, y, out) => {
      const placed: Array<GraphNode> = []
      let cy = y
      blocks.forEach((block) => {
        placed.push(block.place(x + (contentW - block.w) / 2, cy, out)!)
        cy += block.h + V_GAP
      })
      for (const arrow of straight) {
        const a = placed[arrow.from]
        const b = placed[arrow.to]
        out.edges.push({
          from: a.key,
          to: b.key,
          kind: "next",
          points: [[a.x + a.w / 2, a.y + a.h], [b.x + b.w / 2, b.y]]
        })
      }
      jumps.forEach((arrow, k) => {
        const a = placed[arrow.from]
        const b = placed[arrow.to]
        const lane = x + contentW + 10 + k * LANE
        // Leave from the lower half, arrive at the upper half: two arrows at one node stay apart.
        const ay = a.y + Math.min(a.h - 8, NODE_H * 0.7)
        const by = b.y + Math.min(b.h / 2, NODE_H * 0.3)
        out.edges.push({
          from: a.key,
          to: b.key,
          kind: "jump",
          ...(arrow.label === undefined ? {} : { label: arrow.label }),
          points: [[a.x + a.w, ay], [lane, ay], [lane, by], [b.x + b.w, by]]
        })
      })
      return undefined
    }
  }
}

export const layout = (tasks: ReadonlyArray<TaskDef>): GraphLayout => {
  const out: Out = { nodes: [], edges: [], labels: [] }
  const block = listBlock(tasks, [])
  const margin = 16
  block.place(margin, margin, out)
  return { ...out, width: block.w + 2 * margin + 40, height: block.h + 2 * margin }
}

/** Whether a task entry's id (`loop/2/notify`) is a run of the node at `path` (`loop/notify`). */
export const entryMatches = (taskId: string, path: ReadonlyArray<string>): boolean => {
  const segments = taskId.split("/")
  if (path.length === 1) return segments.length === 1 && segments[0] === path[0]
  if (segments[0] !== path[0] || segments[segments.length - 1] !== path[path.length - 1]) return false
  let i = 0
  for (const segment of segments) if (i < path.length && segment === path[i]) i++
  return i === path.length
}

export interface NodeState {
  readonly status: TaskStatus | undefined
  /** Entries of this node: one per FOR iteration, for example. */
  readonly entries: ReadonlyArray<TaskEntry>
}

const rank: Record<string, number> = {
  WORKFLOW_TASK_IN_PROGRESS: 5,
  WORKFLOW_TASK_FAILED: 4,
  WORKFLOW_TASK_PENDING: 3,
  WORKFLOW_TASK_COMPLETED: 2,
  WORKFLOW_TASK_SKIPPED: 1
}

/** Each node's state from a run's task entries: running wins, then failed, pending, completed, skipped. */
export const nodeStates = (nodes: ReadonlyArray<GraphNode>, entries: ReadonlyArray<TaskEntry>): ReadonlyMap<string, NodeState> => {
  const states = new Map<string, NodeState>()
  for (const node of nodes) {
    const own = entries.filter((e) => entryMatches(e.taskId ?? e.taskName ?? "", node.path))
    if (own.length === 0) continue
    const status = own.reduce<TaskStatus | undefined>(
      (best, e) => (rank[e.status ?? ""] ?? 0) > (rank[best ?? ""] ?? 0) ? e.status : best,
      undefined
    )
    states.set(node.key, { status, entries: own })
  }
  return states
}
