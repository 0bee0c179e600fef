/**
 * Workflows and instances by id, for names in lists and the filters' choices. Loaded once
 * per page view (the first 1000 of each); a name not found shows the id.
 */
import { useEffect, useState } from "preact/hooks"
import { get } from "../api/Api.js"
import type { Instance, Page, Workflow } from "../api/types.js"

export interface Directory {
  readonly workflows: ReadonlyArray<Workflow>
  readonly instances: ReadonlyArray<Instance>
  readonly workflow: (id: string | undefined) => Workflow | undefined
  readonly instance: (id: string | undefined) => Instance | undefined
}

const build = (workflows: ReadonlyArray<Workflow>, instances: ReadonlyArray<Instance>): Directory => {
  const w = new Map(workflows.map((x) => [x.metadata.id, x]))
  const i = new Map(instances.map((x) => [x.metadata.id, x]))
  return {
    workflows,
    instances,
    workflow: (id) => id === undefined ? undefined : w.get(id),
    instance: (id) => id === undefined ? undefined : i.get(id)
  }
}

export const emptyDirectory = build([], [])

export const useDirectory = (): Directory => {
  const [directory, setDirectory] = useState(emptyDirectory)
  useEffect(() => {
    const controller = new AbortController()
    Promise.all([
      get<Page<Workflow>>("/v1/workflows", { pageSize: 1000 }, controller.signal),
      get<Page<Instance>>("/v1/workflow-instances", { pageSize: 1000 }, controller.signal)
    ]).then(
      ([workflows, instances]) => setDirectory(build(workflows.entries, instances.entries)),
      () => {}
    )
    return () => controller.abort()
  }, [])
  return directory
}
