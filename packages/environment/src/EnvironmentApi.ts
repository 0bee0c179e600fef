/**
 * The HTTP contract of the Environment kind (`/v1/environments`). Each endpoint declares
 * the access it needs (`Access`) and is documented for `/openapi.json` (`ApiDocs`).
 */
import { HttpApiGroup, OpenApi } from "@effect/platform"
import { Access, ApiDocs, ResourceApi } from "@weft/resource"
import { Schema } from "effect"
import { Environment, EnvironmentInput } from "./Environment.js"

const path = "/v1/environments"

export const ListEnvironmentsParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  ...ResourceApi.SelectorParams.fields,
  org: Schema.optional(Schema.String)
})

/** One org's production values: a plain one and a secret. */
export const exampleEnvironment = {
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Environment",
  metadata: { name: "production", org: "acme", ownerScope: "organization" },
  spec: {
    description: "Production endpoints and credentials",
    data: {
      CRM_URL: { value: "https://crm.acme.example", description: "Base URL of the CRM" },
      CRM_TOKEN: { value: "s3cr3t", isSecret: true, description: "API token of the CRM" }
    }
  }
}

const examples = { production: { summary: "Values and a secret of one org", value: exampleEnvironment } }

const secrets = "A value with `isSecret: true` is write-only: it is stored encrypted and every answer shows the " +
  "entry without its `value`. A secret sent without a `value` keeps the one stored."

const ifMatch = "`If-Match` (an ETag such as `\"3\"`, a list, or `*`) makes it conditional: 412 ABORTED unless it matches."

export class EnvironmentApi extends HttpApiGroup.make("environments")
  .add(
    ResourceApi.create(path, Environment, EnvironmentInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create an environment",
        description: `Stores named values that instances bind through \`spec.envRefs\`. ${secrets} ` +
          "409 ALREADY_EXISTS when the slug is taken in the org.",
        examples
      })
    )
  )
  .add(
    ResourceApi.apply(path, Environment, EnvironmentInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create or update an environment by (org, slug)",
        description: "Creates the environment (201) or, when one with the same org and slug exists, updates it " +
          `as \`PUT\` would (200). ${secrets}`,
        examples
      })
    )
  )
  .add(
    ResourceApi.list(path, Environment, ListEnvironmentsParams).pipe(
      Access.read,
      ApiDocs.document({
        summary: "List environments",
        description: "Newest first, in pages of `pageSize` (default 50, at most 1000); pass the answer's " +
          "`nextPageToken` as `pageToken` for the next page. `org` filters. Secret values are never shown. " +
          ResourceApi.selectionDescription
      })
    )
  )
  .add(
    ResourceApi.getBySlug(path, Environment).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get an environment by slug",
        description: "The environment with this slug in `org` (no `org`: the environments without one). " +
          "404 NOT_FOUND otherwise. Secret values are never shown."
      })
    )
  )
  .add(
    ResourceApi.get(path, Environment).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get an environment",
        description: "The environment with this id, with its version as `ETag`. 404 NOT_FOUND otherwise. " +
          "Secret values are never shown."
      })
    )
  )
  .add(
    ResourceApi.update(path, Environment, EnvironmentInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Update an environment",
        description: `Replaces the name, labels, annotations, tags, description and data. ${secrets} ` +
          `Slug, org and owner scope cannot change. Runs in progress keep the values they started with. ${ifMatch}`,
        examples
      })
    )
  )
  .add(
    ResourceApi.del(path, Environment).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Delete an environment",
        description: "Deletes the environment and answers it (secret values masked). Runs in progress keep " +
          `the values they started with; runs started later whose instance names it fail at start. ${ifMatch}`
      })
    )
  )
  .annotate(
    OpenApi.Description,
    "Environments: named values and secrets that workflow instances bind, seen by runs as `$env`."
  )
{}
