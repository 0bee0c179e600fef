/**
 * The four kinds as the command line names them (`workflow`, `wf`, `instances`,
 * `wex`, `env`, …) and the operations every command needs on them: find one by id or slug,
 * list a page, delete.
 */
import { type CanonicalError, InvalidArgument, NotFound, Slug } from "@weft/resource"
import { WeftClient } from "@weft/client"
import type { Environment } from "@weft/environment"
import type { Workflow } from "@weft/workflow"
import type { WorkflowExecution } from "@weft/workflowexecution"
import type { WorkflowInstance } from "@weft/workflowinstance"
import { Effect, Predicate } from "effect"

export type Kind = "Workflow" | "WorkflowInstance" | "WorkflowExecution" | "Environment"

export type Resource =
  | Workflow.Workflow
  | WorkflowInstance.WorkflowInstance
  | WorkflowExecution.WorkflowExecution
  | Environment.Environment

const aliases: Record<string, Kind> = {
  workflow: "Workflow",
  workflows: "Workflow",
  wf: "Workflow",
  wfl: "Workflow",
  workflowinstance: "WorkflowInstance",
  workflowinstances: "WorkflowInstance",
  instance: "WorkflowInstance",
  instances: "WorkflowInstance",
  win: "WorkflowInstance",
  workflowexecution: "WorkflowExecution",
  workflowexecutions: "WorkflowExecution",
  execution: "WorkflowExecution",
  executions: "WorkflowExecution",
  wex: "WorkflowExecution",
  environment: "Environment",
  environments: "Environment",
  env: "Environment",
  envs: "Environment"
}

/** The names `KIND` accepts, for help texts. */
export const kindHelp =
  "workflow(s) | wf, workflowinstance(s) | instance(s) | win, workflowexecution(s) | execution(s) | wex, environment(s) | env"

/** `workflows`, `WF`, `workflow-instance`… → the kind. */
export const parse = (input: string): Effect.Effect<Kind, InvalidArgument> => {
  const kind = aliases[input.toLowerCase().replace(/[-_]/g, "")]
  return kind === undefined
    ? Effect.fail(new InvalidArgument({ message: `unknown kind "${input}"; expected one of ${kindHelp}` }))
    : Effect.succeed(kind)
}

/** `KIND` or `KIND/NAME` (kubectl style) → the kind and the name, if any. */
export const parseWithName = (
  input: string,
  name: string | undefined
): Effect.Effect<{ readonly kind: Kind; readonly name: string | undefined }, InvalidArgument> => {
  const slash = input.indexOf("/")
  if (slash < 0) return Effect.map(parse(input), (kind) => ({ kind, name }))
  if (name !== undefined) {
    return Effect.fail(new InvalidArgument({ message: `give the name either as ${input} or as an argument, not both` }))
  }
  return Effect.map(parse(input.slice(0, slash)), (kind) => ({ kind, name: input.slice(slash + 1) }))
}

/** How resources of a kind are written in messages: `workflow/customer-onboarding`. */
export const label = (resource: { readonly kind: string; readonly metadata: { readonly slug: string } }) =>
  `${resource.kind.toLowerCase()}/${resource.metadata.slug}`

const idPrefix: Record<Kind, string> = {
  Workflow: "wfl-",
  WorkflowInstance: "win-",
  WorkflowExecution: "wex-",
  Environment: "env-"
}

/** True for a server-generated id of `kind` (`wfl-` + 26-char ULID). */
export const isId = (kind: Kind, ref: string) => new RegExp(`^${idPrefix[kind]}[0-9a-z]{26}$`).test(ref)

type ClientError = WeftClient.ClientError

const checkRef = (kind: Kind, ref: string): Effect.Effect<void, InvalidArgument> =>
  isId(kind, ref) || Slug.isSlug(ref)
    ? Effect.void
    : Effect.fail(new InvalidArgument({ message: `"${ref}" is neither a ${kind} id nor a slug` }))

const isNotFound = (error: unknown): error is NotFound => Predicate.isTagged(error, "NotFound")

/** Pages a "not found" search reads at most: the hint is a courtesy, not a scan of everything. */
const hintPages = 5

/**
 * The orgs other than `org` that hold a `kind` with this slug, found by paging through
 * the unfiltered list (the API has no cross-org by-slug route).
 */
const orgsWithSlug = (
  slug: string,
  org: string | undefined,
  page: (pageToken: string | undefined) => Effect.Effect<
    { readonly entries: ReadonlyArray<Resource>; readonly nextPageToken?: string | undefined },
    unknown,
    WeftClient.WeftClient
  >
) =>
  Effect.gen(function*() {
    const orgs = new Set<string>()
    let pageToken: string | undefined = undefined
    for (let n = 0; n < hintPages; n++) {
      const result: { readonly entries: ReadonlyArray<Resource>; readonly nextPageToken?: string | undefined } =
        yield* page(pageToken)
      for (const entry of result.entries) {
        if (entry.metadata.slug === slug && entry.metadata.org !== org) orgs.add(entry.metadata.org ?? "")
      }
      pageToken = result.nextPageToken
      if (pageToken === undefined) break
    }
    return [...orgs]
  }).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))

/**
 * A NOT_FOUND by slug, with a hint when the slug exists in other orgs:
 * `Workflow not found: x (without org); it exists in org acme: pass --org acme`.
 */
const withOrgHint = <A, E, R>(
  kind: Kind,
  slug: string,
  org: string | undefined,
  lookup: Effect.Effect<A, E, R>,
  page: Parameters<typeof orgsWithSlug>[2]
): Effect.Effect<A, E | NotFound, R | WeftClient.WeftClient> =>
  Effect.catchAll(lookup, (error): Effect.Effect<never, E | NotFound, WeftClient.WeftClient> => {
    if (!isNotFound(error)) return Effect.fail(error)
    return Effect.flatMap(orgsWithSlug(slug, org, page), (orgs) => {
      if (orgs.length === 0) return Effect.fail(error)
      const where = org === undefined ? "without org" : `in org ${org}`
      const named = orgs.map((o) => (o === "" ? "(no org)" : o))
      const hint = orgs.length === 1
        ? orgs[0] === "" ? "it exists without org: drop --org" : `it exists in org ${orgs[0]}: pass --org ${orgs[0]}`
        : `it exists in orgs ${named.join(", ")}: pass --org`
      return Effect.fail(new NotFound({ message: `${kind} not found: ${slug} (${where}); ${hint}` }))
    })
  })

/**
 * A resource by slug in `org` (then among resources without org, when `fallback`), with
 * the other-org hint when it is not found.
 */
const bySlug = <A extends Resource, E>(
  kind: Kind,
  slug: string,
  org: string | undefined,
  fallback: boolean,
  get: (org: string | undefined) => Effect.Effect<A, E>,
  page: Parameters<typeof orgsWithSlug>[2]
) =>
  withOrgHint(
    kind,
    slug,
    org,
    fallback && org !== undefined
      ? Effect.catchAll(get(org), (error) => isNotFound(error) ? get(undefined) : Effect.fail(error))
      : get(org),
    page
  )

/** A workflow by id, or by slug in `org` (then among workflows without org, when `fallback`). */
export const findWorkflow = (ref: string, org: string | undefined, options: { readonly fallback?: boolean } = {}) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    yield* checkRef("Workflow", ref)
    if (isId("Workflow", ref)) return yield* weft.workflows.get({ path: { id: ref } })
    return yield* bySlug(
      "Workflow",
      ref,
      org,
      options.fallback === true,
      (org) => weft.workflows.getBySlug({ path: { slug: ref }, urlParams: { org } }),
      (pageToken) => weft.workflows.list({ urlParams: { pageSize: 1000, pageToken } })
    )
  })

/** An instance by id, or by slug in `org` (then among instances without org, when `fallback`). */
export const findInstance = (ref: string, org: string | undefined, options: { readonly fallback?: boolean } = {}) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    yield* checkRef("WorkflowInstance", ref)
    if (isId("WorkflowInstance", ref)) return yield* weft.workflowInstances.get({ path: { id: ref } })
    return yield* bySlug(
      "WorkflowInstance",
      ref,
      org,
      options.fallback === true,
      (org) => weft.workflowInstances.getBySlug({ path: { slug: ref }, urlParams: { org } }),
      (pageToken) => weft.workflowInstances.list({ urlParams: { pageSize: 1000, pageToken } })
    )
  })

/** An environment by id, or by slug in `org` (then among environments without org, when `fallback`). */
export const findEnvironment = (ref: string, org: string | undefined, options: { readonly fallback?: boolean } = {}) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    yield* checkRef("Environment", ref)
    if (isId("Environment", ref)) return yield* weft.environments.get({ path: { id: ref } })
    return yield* bySlug(
      "Environment",
      ref,
      org,
      options.fallback === true,
      (org) => weft.environments.getBySlug({ path: { slug: ref }, urlParams: { org } }),
      (pageToken) => weft.environments.list({ urlParams: { pageSize: 1000, pageToken } })
    )
  })

/** An execution by id, or by slug in `org` (`org` absent: among executions without org). */
export const findExecution = (ref: string, org: string | undefined) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    yield* checkRef("WorkflowExecution", ref)
    if (isId("WorkflowExecution", ref)) return yield* weft.workflowExecutions.get({ path: { id: ref } })
    return yield* bySlug(
      "WorkflowExecution",
      ref,
      org,
      false,
      (org) => weft.workflowExecutions.getBySlug({ path: { slug: ref }, urlParams: { org } }),
      (pageToken) => weft.workflowExecutions.list({ urlParams: { pageSize: 1000, pageToken } })
    )
  })

export const find = (
  kind: Kind,
  ref: string,
  org: string | undefined
): Effect.Effect<Resource, ClientError | CanonicalError, WeftClient.WeftClient> => {
  switch (kind) {
    case "Workflow":
      return findWorkflow(ref, org)
    case "WorkflowInstance":
      return findInstance(ref, org)
    case "WorkflowExecution":
      return findExecution(ref, org)
    case "Environment":
      return findEnvironment(ref, org)
  }
}

export interface ListFilters {
  readonly org?: string | undefined
  readonly workflow?: string | undefined
  readonly instance?: string | undefined
  readonly phases: ReadonlyArray<WorkflowExecution.ExecutionPhase>
  readonly pageSize: number
  readonly pageToken?: string | undefined
}

export interface Page {
  readonly entries: ReadonlyArray<Resource>
  readonly nextPageToken?: string | undefined
}

const refuse = (kind: Kind, filter: string) =>
  Effect.fail(new InvalidArgument({ message: `${filter} does not apply to ${kind} lists` }))

/** One page of `kind`, newest first; `--workflow` / `--instance` take slugs or ids. */
/** The ids of the workflow and instance a list's `--workflow` / `--instance` name (by slug or id). */
export const resolveRefs = (filters: Pick<ListFilters, "workflow" | "instance" | "org">) =>
  Effect.gen(function*() {
    const workflowId = filters.workflow === undefined
      ? undefined
      : (yield* findWorkflow(filters.workflow, filters.org, { fallback: true })).metadata.id
    const instanceId = filters.instance === undefined
      ? undefined
      : (yield* findInstance(filters.instance, filters.org, { fallback: true })).metadata.id
    return { workflowId, instanceId }
  })

export const list = (
  kind: Kind,
  filters: ListFilters
): Effect.Effect<Page, ClientError | CanonicalError, WeftClient.WeftClient> =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const { org, pageSize, pageToken } = filters
    const { instanceId, workflowId } = yield* resolveRefs(filters)
    switch (kind) {
      case "Workflow": {
        if (workflowId !== undefined) return yield* refuse(kind, "--workflow")
        if (instanceId !== undefined) return yield* refuse(kind, "--instance")
        if (filters.phases.length > 0) return yield* refuse(kind, "--phase")
        return yield* weft.workflows.list({ urlParams: { pageSize, pageToken, org } })
      }
      case "WorkflowInstance": {
        if (instanceId !== undefined) return yield* refuse(kind, "--instance")
        if (filters.phases.length > 0) return yield* refuse(kind, "--phase")
        return yield* weft.workflowInstances.list({ urlParams: { pageSize, pageToken, org, workflowId } })
      }
      case "Environment": {
        if (workflowId !== undefined) return yield* refuse(kind, "--workflow")
        if (instanceId !== undefined) return yield* refuse(kind, "--instance")
        if (filters.phases.length > 0) return yield* refuse(kind, "--phase")
        return yield* weft.environments.list({ urlParams: { pageSize, pageToken, org } })
      }
      case "WorkflowExecution":
        return yield* weft.workflowExecutions.list({
          urlParams: {
            pageSize,
            pageToken,
            org,
            workflowId,
            workflowInstanceId: instanceId,
            phase: filters.phases.length > 0 ? filters.phases : undefined
          }
        })
    }
  })

/** DELETE the resource; answers what was deleted. */
export const remove = (
  kind: Kind,
  resource: Resource
): Effect.Effect<Resource, ClientError | CanonicalError, WeftClient.WeftClient> =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const request = { path: { id: resource.metadata.id }, headers: {} }
    switch (kind) {
      case "Workflow":
        return yield* weft.workflows.delete(request)
      case "WorkflowInstance":
        return yield* weft.workflowInstances.delete(request)
      case "WorkflowExecution":
        return yield* weft.workflowExecutions.delete(request)
      case "Environment":
        return yield* weft.environments.delete(request)
    }
  })

/**
 * The slugs of the workflows or instances with these ids (for the reference column of a
 * table); an id that cannot be read (deleted since) is left out.
 */
export const slugsOf = (ids: ReadonlyArray<string>): Effect.Effect<ReadonlyMap<string, string>, never, WeftClient.WeftClient> =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const pairs = yield* Effect.forEach(ids, (id) => {
      const read: Effect.Effect<Resource, unknown> = isId("Workflow", id)
        ? weft.workflows.get({ path: { id } })
        : isId("WorkflowInstance", id)
        ? weft.workflowInstances.get({ path: { id } })
        : Effect.fail("not an id")
      return read.pipe(
        Effect.map((r) => [[id, r.metadata.slug] as const]),
        Effect.orElseSucceed(() => [])
      )
    }, { concurrency: 4 })
    return new Map(pairs.flat())
  })
