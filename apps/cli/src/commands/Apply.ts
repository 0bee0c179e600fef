/**
 * `weft apply -f FILE`: creates or updates every document of the files, in order, and
 * prints `<kind>/<slug> created|updated|unchanged` for each.
 *
 * Workflows and instances go through `POST …/apply`; executions are created. An
 * instance (or an execution) may name its workflow by slug instead of id, so that files
 * stay portable between servers:
 *
 *     spec:
 *       workflowSlug: customer-onboarding            # in the document's metadata.org
 *       workflowRef: { slug: customer-onboarding, org: acme }
 *
 * and an execution its instance with `workflowInstanceSlug` / `workflowInstanceRef`.
 *
 * The values of an Environment's `spec.data`, a workflow's `spec.envSpec.data` and an
 * execution's `spec.runtimeEnv` may be read from elsewhere, so that secrets stay out of the
 * file: `value: "@token.txt"` is the content of that file (relative to the document's
 * file, one trailing newline dropped), `value: "@-"` is stdin (when the documents are not
 * read from it), and `"@@…"` is a literal value starting with `@`. Values are sent, never
 * printed.
 * A slug without an explicit org is looked up in the document's org first, then among
 * resources without org. A failing document is reported and the others still applied;
 * the exit code is then 1.
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { WeftClient } from "@weft/client"
import { Environment } from "@weft/environment"
import { InvalidArgument, SecretValues, Slug } from "@weft/resource"
import { Workflow } from "@weft/workflow"
import { WorkflowExecution } from "@weft/workflowexecution"
import { WorkflowInstance } from "@weft/workflowinstance"
import { Effect, Schema } from "effect"
import * as path from "node:path"
import { describe, fileError, SilentExit } from "../CliError.js"
import * as Documents from "../Documents.js"
import { read } from "../Files.js"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import { connection, withClient } from "../Shared.js"

const files = Options.text("filename").pipe(Options.withPseudoName("FILE"), 
  Options.withAlias("f"),
  Options.repeated,
  Options.withDescription("A YAML or JSON file of one or more documents (`---` separated); `-` reads stdin. Repeatable.")
)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** `workflow/<slug>` of a document before it is applied (the slug as the server will derive it). */
const documentLabel = (doc: Documents.Document): string => {
  const kind = typeof doc.value.kind === "string" ? doc.value.kind.toLowerCase() : "document"
  const metadata = isRecord(doc.value.metadata) ? doc.value.metadata : {}
  const name = typeof metadata.slug === "string"
    ? metadata.slug
    : typeof metadata.name === "string"
    ? Slug.fromName(metadata.name)
    : ""
  return name === "" ? `${kind} (${doc.source})` : `${kind}/${name}`
}

/** Decodes a document; the message never quotes a value the document marks secret. */
const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown) =>
  Schema.decodeUnknown(schema, { errors: "all" })(value).pipe(
    Effect.mapError((error) => InvalidArgument.fromParseError(error, { hide: SecretValues.hide(SecretValues.secretsIn(value)) }))
  )

interface RefKeys {
  readonly id: string
  readonly slug: string
  readonly ref: string
}

const workflowKeys: RefKeys = { id: "workflowId", slug: "workflowSlug", ref: "workflowRef" }
const instanceKeys: RefKeys = { id: "workflowInstanceId", slug: "workflowInstanceSlug", ref: "workflowInstanceRef" }

/**
 * Replaces `spec.<slug>` / `spec.<ref>` with `spec.<id>`, looking the slug up on the
 * server; answers the spec without the slug fields.
 */
const resolveRef = (
  spec: Record<string, unknown>,
  keys: RefKeys,
  org: string | undefined,
  find: (slug: string, org: string | undefined, options: { readonly fallback: boolean }) => Effect.Effect<
    { readonly metadata: { readonly id: string } },
    unknown,
    WeftClient.WeftClient
  >
) =>
  Effect.gen(function*() {
    const { [keys.slug]: slug, [keys.ref]: ref, ...rest } = spec
    if (slug === undefined && ref === undefined) return spec
    const given = [keys.id, keys.slug, keys.ref].filter((key) => spec[key] !== undefined)
    if (given.length > 1) {
      return yield* new InvalidArgument({ message: `spec: give only one of ${given.join(", ")}` })
    }
    let target: { readonly slug: string; readonly org: string | undefined; readonly fallback: boolean }
    if (slug !== undefined) {
      if (typeof slug !== "string") return yield* new InvalidArgument({ message: `spec.${keys.slug}: must be a string` })
      target = { slug, org, fallback: true }
    } else {
      if (!isRecord(ref) || typeof ref.slug !== "string") {
        return yield* new InvalidArgument({ message: `spec.${keys.ref}: must be {slug, org?}` })
      }
      if (ref.org !== undefined && typeof ref.org !== "string") {
        return yield* new InvalidArgument({ message: `spec.${keys.ref}.org: must be a string` })
      }
      target = ref.org === undefined
        ? { slug: ref.slug, org, fallback: true }
        : { slug: ref.slug, org: ref.org, fallback: false }
    }
    const found = yield* find(target.slug, target.org, { fallback: target.fallback })
    return { ...rest, [keys.id]: found.metadata.id }
  })

/** Where `@-` values come from: stdin, read once, unless it holds the documents. */
interface ValueSources {
  readonly stdin: Effect.Effect<string, InvalidArgument>
}

const dropNewline = (text: string) => text.replace(/\r?\n$/, "")

/**
 * A map of values (`{KEY: {value, isSecret}}`, found at the path `where`) with each
 * `@file` / `@-` value read (see the module's comment); anything else as it is.
 */
const readValues = (values: unknown, where: string, doc: Documents.Document, sources: ValueSources) =>
  Effect.gen(function*() {
    if (!isRecord(values)) return values
    const data: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(values)) {
      const value = isRecord(entry) ? entry.value : undefined
      if (typeof value !== "string" || !value.startsWith("@")) {
        data[key] = entry
        continue
      }
      const at = `${where}.${key}.value`
      const read = value.startsWith("@@")
        ? Effect.succeed(value.slice(1))
        : value === "@-"
        ? sources.stdin
        : Effect.flatMap(FileSystem.FileSystem, (fs) =>
          fs.readFileString(path.resolve(doc.file === "<stdin>" ? "." : path.dirname(doc.file), value.slice(1)))).pipe(
            Effect.map(dropNewline),
            Effect.mapError((error) => new InvalidArgument({ message: `${at}: cannot read ${value}: ${fileError(error)}` }))
          )
      data[key] = { ...(entry as Record<string, unknown>), value: yield* read }
    }
    return data
  })

/** The document's value maps (each kind's), their `@file` / `@-` values read. */
const readSpecValues = (kind: unknown, spec: Record<string, unknown>, doc: Documents.Document, sources: ValueSources) =>
  Effect.gen(function*() {
    switch (kind) {
      case "Environment":
        return spec.data === undefined ? spec : { ...spec, data: yield* readValues(spec.data, "spec.data", doc, sources) }
      case "Workflow": {
        const envSpec = spec.envSpec
        if (!isRecord(envSpec) || envSpec.data === undefined) return spec
        return { ...spec, envSpec: { ...envSpec, data: yield* readValues(envSpec.data, "spec.envSpec.data", doc, sources) } }
      }
      case "WorkflowExecution":
        return spec.runtimeEnv === undefined
          ? spec
          : { ...spec, runtimeEnv: yield* readValues(spec.runtimeEnv, "spec.runtimeEnv", doc, sources) }
      default:
        return spec
    }
  })

const prepare = (doc: Documents.Document, sources: ValueSources) =>
  Effect.gen(function*() {
    const value = doc.value
    const metadata = isRecord(value.metadata) ? value.metadata : {}
    const org = typeof metadata.org === "string" ? metadata.org : undefined
    let spec = isRecord(value.spec) ? value.spec : undefined
    if (spec !== undefined && (value.kind === "WorkflowInstance" || value.kind === "WorkflowExecution")) {
      spec = yield* resolveRef(spec, workflowKeys, org, Kind.findWorkflow)
      if (value.kind === "WorkflowExecution") spec = yield* resolveRef(spec, instanceKeys, org, Kind.findInstance)
    }
    if (spec !== undefined) spec = yield* readSpecValues(value.kind, spec, doc, sources)
    return spec === undefined ? value : { ...value, spec }
  })

const applyOne = (doc: Documents.Document, sources: ValueSources) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const value = yield* prepare(doc, sources)
    switch (value.kind) {
      case "Workflow": {
        const input = yield* decode(Workflow.WorkflowInput, value)
        const { outcome, resource } = yield* weft.applyWorkflow(input)
        return `${Kind.label(resource)} ${outcome}`
      }
      case "WorkflowInstance": {
        const input = yield* decode(WorkflowInstance.WorkflowInstanceInput, value)
        const { outcome, resource } = yield* weft.applyWorkflowInstance(input)
        return `${Kind.label(resource)} ${outcome}`
      }
      case "Environment": {
        const input = yield* decode(Environment.EnvironmentInput, value)
        const { outcome, resource } = yield* weft.applyEnvironment(input)
        return `${Kind.label(resource)} ${outcome}`
      }
      case "WorkflowExecution": {
        const input = yield* decode(WorkflowExecution.WorkflowExecutionInput, value)
        const resource = yield* weft.workflowExecutions.create({ payload: input, headers: {} })
        return `${Kind.label(resource)} created`
      }
      case undefined:
        return yield* new InvalidArgument({ message: "kind: is missing (Workflow, WorkflowInstance, WorkflowExecution or Environment)" })
      default:
        return yield* new InvalidArgument({
          message: `kind: unknown kind ${JSON.stringify(value.kind)} (expected Workflow, WorkflowInstance, WorkflowExecution or Environment)`
        })
    }
  })

export const apply = Command.make("apply", { ...connection, files }, (options) =>
  Effect.gen(function*() {
    if (options.files.length === 0) {
      return yield* new InvalidArgument({ message: "give at least one file with -f FILE (or -f - for stdin)" })
    }
    const documents: Array<Documents.Document> = []
    for (const file of options.files) {
      documents.push(...(yield* Effect.flatMap(read(file), (text) => Documents.parse(file === "-" ? "<stdin>" : file, text))))
    }
    if (documents.length === 0) return yield* new InvalidArgument({ message: "no documents to apply" })
    const sources: ValueSources = {
      stdin: options.files.includes("-")
        ? Effect.fail(new InvalidArgument({ message: "a value of @- needs stdin, which holds the documents (-f -)" }))
        : yield* Effect.cached(
          Effect.map(read("-"), dropNewline).pipe(Effect.provideService(FileSystem.FileSystem, yield* FileSystem.FileSystem))
        )
    }
    let failures = 0
    for (const doc of documents) {
      yield* applyOne(doc, sources).pipe(
        Effect.flatMap(Stdio.out),
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.sync(() => void failures++),
            Stdio.err(`error: ${documentLabel(doc)}: ${describe(error)}`)
          )
        )
      )
    }
    if (failures > 0) return yield* new SilentExit({ exitCode: 1 })
  }).pipe((effect) => withClient(options, effect))).pipe(
    Command.withDescription(
      "Create or update the resources of YAML/JSON files: prints <kind>/<slug> created, updated or unchanged for each document"
    )
  )
