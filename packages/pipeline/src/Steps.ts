/**
 * The standard steps every kind's pipelines are made of. Each is a factory taking what
 * differs between kinds (the table, the schema, how a new state is built).
 *
 * Context keys, by convention:
 * - `input`: what the caller passed (`body`, `id`, `ifMatch`, `org`, `slug`);
 * - `request`: the decoded, validated resource the client sent;
 * - `slug`: the resolved slug;
 * - `existing`: the stored resource a change starts from;
 * - `state`: the resource being built, persisted by `Persist`;
 * - `target`: a resource loaded for reading.
 */
import {
  Access,
  Aborted,
  AlreadyExists,
  type AnyResource,
  InvalidArgument,
  Metadata,
  NotFound,
  type PermissionDenied,
  ResourceId,
  ResourceStore,
  type ResourceTable,
  type SecretBox,
  SecretValues,
  Slug
} from "@weft/resource"
import { Effect, Option, ParseResult, Schema } from "effect"
import { type Step, step } from "./Pipeline.js"


/** What a client sends for a resource: at least a metadata block. */
export interface RequestShape {
  readonly metadata: Metadata.MetadataInput
}

/**
 * Decodes `input.body` with the kind's schema into `request`; 400 naming the field path.
 * The message never quotes a value the body marks secret.
 */
export const ValidateSchema = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })
  return step("ValidateSchema", (ctx: { readonly input: { readonly body: unknown } }) =>
    decode(ctx.input.body).pipe(
      Effect.map((request) => ({ request })),
      Effect.mapError((error: ParseResult.ParseError) =>
        InvalidArgument.fromParseError(error, {
          subject: "body",
          hide: SecretValues.hide(SecretValues.secretsIn(ctx.input.body))
        })
      )
    ))
}

/**
 * Resolves the slug: the client's (already checked slug-shaped) or one derived from
 * `metadata.name`. A missing name, or one whose slug is empty, is a 400. (Kinds whose
 * name is optional resolve a name in an earlier step.)
 */
export const ResolveSlug = () =>
  step("ResolveSlug", (ctx: { readonly request: RequestShape }) => {
    const { name, slug } = ctx.request.metadata
    if (slug !== undefined) return Effect.succeed({ slug })
    if (name === undefined || name.trim() === "") {
      return Effect.fail(new InvalidArgument({ message: "metadata.name: is required" }))
    }
    const derived = Slug.fromName(name)
    return derived === ""
      ? Effect.fail(
        new InvalidArgument({
          message: `metadata.slug: is required, since metadata.name "${name}" has no letters a-z or digits ` +
            "(letters with accents count, other scripts do not) to make a slug from"
        })
      )
      : Effect.succeed({ slug: derived })
  })

/** Requires `metadata.ownerScope` to be one the kind allows; a 400 naming the rule. */
export const ValidateOwnerScope = (kind: string, allowed: ReadonlyArray<Metadata.OwnerScope>) =>
  step("ValidateOwnerScope", (ctx: { readonly request: RequestShape }) => {
    const scope = ctx.request.metadata.ownerScope
    if (scope !== undefined && allowed.includes(scope)) return Effect.succeed({})
    const missing = scope === undefined || scope === "api_resource_owner_scope_unspecified"
    return Effect.fail(
      new InvalidArgument({
        message: `metadata.ownerScope: a ${kind} must be owned by ${allowed.join(" or ")}${
          missing ? " (it is missing)" : `, not ${scope}`
        }`
      })
    )
  })

/** Fails with ALREADY_EXISTS when (kind, org, slug) is taken. */
export const CheckDuplicate = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step("CheckDuplicate", (ctx: { readonly request: RequestShape; readonly slug: string }) =>
    Effect.flatMap(ResourceStore.ResourceStore, (store) =>
      store.getBySlug(table, ctx.request.metadata.org, ctx.slug)).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed({}),
          onSome: () => Effect.fail(AlreadyExists.of(table.kind.kind, ctx.request.metadata.org, ctx.slug))
        }))
      ))

/** What `BuildNewState` hands a kind to assemble its resource from. */
export interface NewStateParts {
  readonly metadata: Metadata.Metadata
  readonly audit: Metadata.Audit
  readonly now: string
}

/**
 * Builds the new resource: a fresh id (a client-supplied id is a 400), version 1, the
 * `created` audit on both blocks; the kind builds its spec and status with `build`.
 */
export const BuildNewState = <A extends AnyResource, Req extends RequestShape>(
  table: ResourceTable.ResourceTable<A>,
  build: (request: Req, parts: NewStateParts) => A
) =>
  step("BuildNewState", (ctx: { readonly request: Req; readonly slug: string }) =>
    Effect.gen(function*() {
      const m = ctx.request.metadata
      if (m.id !== undefined) {
        return yield* new InvalidArgument({ message: "metadata.id: is assigned by the server and cannot be given" })
      }
      const millis = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const id = ResourceId.makeAt(table.kind, millis)
      const now = Metadata.timestamp(millis)
      const metadata: Metadata.Metadata = compact({
        id,
        name: m.name ?? ctx.slug,
        slug: ctx.slug,
        org: m.org === "" ? undefined : m.org,
        ownerScope: m.ownerScope === "api_resource_owner_scope_unspecified" ? undefined : m.ownerScope,
        labels: m.labels,
        annotations: m.annotations,
        tags: m.tags,
        version: 1
      })
      const audit = Metadata.auditCreated(now, Access.actorOf(yield* Access.currentCaller))
      return { state: build(ctx.request, { metadata, audit, now }) }
    }))

/** The step `SealSecrets` makes, named so that the kinds' steps built with it have a portable type. */
export type SealStep<R extends { readonly spec: object }> = Step<
  { readonly request: R; readonly existing?: { readonly spec: R["spec"] } | undefined },
  { readonly request: R },
  never,
  SecretBox.SecretBox
>

/**
 * Seals the secret values of one map of the request's spec (`SecretValues.seal`), so that
 * what is built and persisted holds them only as envelopes. A secret sent without a value
 * keeps the one the resource being updated (`existing`) has; the same value again keeps
 * its envelope, so an unchanged document stays unchanged. `at` reads the map from a spec
 * and puts the sealed one back.
 */
export const SealSecrets = <R extends { readonly spec: object }>(at: {
  readonly get: (spec: R["spec"]) => SecretValues.Values<SecretValues.Sealed<SecretValues.Entry>> | undefined
  readonly set: (spec: R["spec"], sealed: SecretValues.Values<SecretValues.Sealed<SecretValues.Entry>>) => R["spec"]
}): SealStep<R> =>
  step("SealSecrets", (ctx) =>
    Effect.map(
      SecretValues.seal(at.get(ctx.request.spec), ctx.existing === undefined ? undefined : at.get(ctx.existing.spec)),
      (sealed): { readonly request: R } => ({
        request: sealed === undefined ? ctx.request : { ...ctx.request, spec: at.set(ctx.request.spec, sealed) }
      })
    ))

/**
 * Stores `state`: an insert, or an update when the pipeline loaded an `existing` one.
 * An update that changes nothing (`unchanged`) writes nothing and keeps the version.
 */
export const Persist = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step(
    "Persist",
    (ctx: { readonly state: A; readonly existing?: A | undefined; readonly unchanged?: boolean | undefined }) =>
      ctx.unchanged === true
        ? Effect.succeed({ state: ctx.state })
        : Effect.flatMap(ResourceStore.ResourceStore, (store): Effect.Effect<A, AlreadyExists | PermissionDenied | Aborted> =>
          ctx.existing === undefined ? store.insert(table, ctx.state) : store.update(table, ctx.state, ctx.existing)).pipe(
            Effect.map((state) => ({ state }))
          )
  )

/**
 * An If-Match header (RFC 9110 §13.1.1) against a version, whose ETag is the strong tag
 * `"<version>"`. `*` matches (the resource exists: it was loaded); otherwise the header
 * is a list of entity tags and matches when one of them is equal by the strong
 * comparison, so a weak tag (`W/"7"`) never matches. A bare `7` is read as `"7"`.
 */
export const checkIfMatch = (
  kind: string,
  id: string,
  ifMatch: string | undefined,
  version: number
): Effect.Effect<void, Aborted> =>
  ifMatch === undefined || ifMatch.trim() === "*" || strongMatch(ifMatch, String(version))
    ? Effect.void
    : Effect.fail(Aborted.versionMismatch(kind, id, ifMatch, version))

/** Each member of the list: a quoted tag (weak or not), or a bare token. */
const listMember = /(W\/)?"([^"]*)"|[^,\s]+/g

const strongMatch = (header: string, current: string): boolean => {
  for (const [member, weak, quoted] of header.matchAll(listMember)) {
    if (weak !== undefined) continue
    if ((quoted ?? member) === current) return true
  }
  return false
}

/** Input of the steps that load one resource by id. */
export interface ByIdInput {
  readonly id: string
  readonly ifMatch?: string | undefined
}

const loadById = <A extends AnyResource>(
  table: ResourceTable.ResourceTable<A>,
  id: string,
  lock?: "forUpdate"
): Effect.Effect<A, NotFound, ResourceStore.ResourceStore> =>
  Effect.flatMap(
    ResourceStore.ResourceStore,
    (store) => lock === "forUpdate" ? store.getForUpdate(table, id) : store.get(table, id)
  ).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(NotFound.of(table.kind.kind, id)),
      onSome: Effect.succeed
    }))
  )

/** Loads a resource a change will replace, locking its row until the transaction ends. */
const loadForChange = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>, input: ByIdInput) =>
  Effect.tap(loadById(table, input.id, "forUpdate"), (resource) =>
    checkIfMatch(table.kind.kind, input.id, input.ifMatch, resource.metadata.version))

const loadExisting = (name: string) => <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step(name, (ctx: { readonly input: ByIdInput }) =>
    Effect.map(loadForChange(table, ctx.input), (existing) => ({ existing })))

/** Loads the resource a change starts from (404, or 412 when If-Match differs). */
export const LoadExisting = loadExisting("LoadExisting")

/** Loads the resource a delete removes (404, or 412 when If-Match differs). */
export const LoadExistingForDelete = loadExisting("LoadExistingForDelete")

/** Loads a resource to return it (404). */
export const LoadTarget = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step("LoadTarget", (ctx: { readonly input: { readonly id: string } }) =>
    Effect.map(loadById(table, ctx.input.id), (target) => ({ target })))

/** Loads a resource by (org, slug) (404 naming the slug). */
export const LoadByReference = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step("LoadByReference", (ctx: { readonly input: { readonly slug: string; readonly org?: string | undefined } }) =>
    Effect.flatMap(ResourceStore.ResourceStore, (store) =>
      store.getBySlug(table, ctx.input.org, ctx.input.slug)).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(NotFound.of(table.kind.kind, ctx.input.slug)),
          onSome: (target) => Effect.succeed({ target })
        }))
      ))

/** For apply: loads the resource with the request's (org, slug), if there is one. */
export const LoadForApply = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step("LoadForApply", (ctx: { readonly request: RequestShape; readonly slug: string }) =>
    Effect.flatMap(ResourceStore.ResourceStore, (store) =>
      store.getBySlug(table, ctx.request.metadata.org, ctx.slug)).pipe(
        Effect.map((found) => ({ existing: Option.getOrUndefined(found) }))
      ))

/**
 * Builds the updated resource from `existing` and the request: id, slug, org, owner
 * scope, creation audit and status are kept; name, labels, annotations and tags come from
 * the request; the kind merges its spec with `mergeSpec` (which may refuse a change of an
 * immutable field). Version +1, audit event `updated`. An update replaces the name, so it
 * must carry one (400 otherwise), as a create does; a kind whose name is optional
 * (executions) passes `{name: "optional"}` and keeps the stored name when none is sent.
 */
export const BuildUpdateState = <A extends AnyResource, Req extends RequestShape, E = never>(
  table: ResourceTable.ResourceTable<A>,
  mergeSpec: (existing: A, request: Req) => Effect.Effect<A["spec"], E>,
  options: { readonly name: "required" | "optional" } = { name: "required" }
) =>
  step("BuildUpdateState", (ctx: { readonly request: Req; readonly existing: A; readonly input: unknown }) =>
    Effect.gen(function*() {
      const { existing, request } = ctx
      const m = request.metadata
      if (options.name === "required" && (m.name === undefined || m.name.trim() === "")) {
        return yield* new InvalidArgument({ message: "metadata.name: is required" })
      }
      if (m.id !== undefined && m.id !== existing.metadata.id) {
        return yield* new InvalidArgument({
          message: `metadata.id: ${m.id} does not match the ${table.kind.kind} being updated (${existing.metadata.id})`
        })
      }
      if (m.slug !== undefined && m.slug !== existing.metadata.slug) {
        return yield* new InvalidArgument({ message: "metadata.slug: cannot be changed" })
      }
      if (m.org !== undefined && (m.org === "" ? undefined : m.org) !== existing.metadata.org) {
        return yield* new InvalidArgument({ message: "metadata.org: cannot be changed" })
      }
      if (
        m.ownerScope !== undefined && m.ownerScope !== "api_resource_owner_scope_unspecified" &&
        m.ownerScope !== existing.metadata.ownerScope
      ) {
        return yield* new InvalidArgument({ message: "metadata.ownerScope: cannot be changed" })
      }
      const spec = yield* mergeSpec(existing, request)
      const unchanged = m.name === undefined || m.name === existing.metadata.name
        ? deepEqual(spec, existing.spec) && deepEqual(m.labels, existing.metadata.labels) &&
          deepEqual(m.annotations, existing.metadata.annotations) && deepEqual(m.tags, existing.metadata.tags)
        : false
      if (unchanged) return { state: existing, unchanged: true }
      const now = Metadata.timestamp(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
      const actor = Access.actorOf(yield* Access.currentCaller)
      const metadata: Metadata.Metadata = compact({
        ...existing.metadata,
        name: m.name ?? existing.metadata.name,
        labels: m.labels,
        annotations: m.annotations,
        tags: m.tags,
        version: existing.metadata.version + 1
      })
      const state = {
        ...existing,
        metadata,
        spec,
        status: { ...existing.status, audit: Metadata.auditUpdated(existing.status.audit, now, actor) }
      } as A
      return { state, unchanged: false }
    }))

/** Deletes `existing`; leaves it in the context as `deleted`. */
export const DeleteResource = <A extends AnyResource>(table: ResourceTable.ResourceTable<A>) =>
  step("DeleteResource", (ctx: { readonly existing: A }) =>
    Effect.flatMap(ResourceStore.ResourceStore, (store) => store.delete(table, ctx.existing.metadata.id)).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(NotFound.of(table.kind.kind, ctx.existing.metadata.id)),
        onSome: (deleted) => Effect.succeed({ deleted })
      }))
    ))

/** Structural equality of JSON values; an absent value equals an empty map or list. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (isEmpty(a) && isEmpty(b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bs = b as ReadonlyArray<unknown>
    return a.length === bs.length && a.every((x, i) => deepEqual(x, bs[i]))
  }
  const ak = Object.keys(a).filter((k) => (a as any)[k] !== undefined)
  const bk = Object.keys(b).filter((k) => (b as any)[k] !== undefined)
  return ak.length === bk.length && ak.every((k) => deepEqual((a as any)[k], (b as any)[k]))
}

const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)

/** Drops keys whose value is undefined, so stored JSON has no `null` holes. */
export const compact = <T extends object>(value: T): T => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}
