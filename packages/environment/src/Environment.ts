/**
 * The Environment kind: named values (configuration and secrets) that workflow instances
 * bind through `spec.envRefs` and runs see as `$env`.
 */
import { Resource, ResourceKind, ResourceTable, SecretValues } from "@weft/resource"
import { Schema } from "effect"

export const Kind = ResourceKind.Environment

/** One value. A secret's `value` is write-only: reads show `isSecret: true` without it. */
export const EnvironmentValue = Schema.Struct({
  value: Schema.optional(Schema.String),
  isSecret: Schema.optional(Schema.Boolean),
  description: Schema.optional(Schema.String)
}).annotations({ identifier: "EnvironmentValue" })
export type EnvironmentValue = typeof EnvironmentValue.Type

const keyPattern = /^[A-Za-z0-9_.-]{1,253}$/

/** Keys as configuration keys are spelled elsewhere: 1 to 253 letters, digits, `_`, `-` or `.`. */
export const EnvironmentData = Schema.Record({ key: Schema.String, value: EnvironmentValue }).pipe(
  Schema.filter((data) =>
    Object.keys(data).filter((key) => !keyPattern.test(key)).map((key) => ({
      path: [key],
      message: "a key is 1 to 253 letters, digits, '_', '-' or '.'"
    }))
  )
)

export const EnvironmentSpec = Schema.Struct({
  description: Schema.optional(Schema.String),
  data: Schema.optional(EnvironmentData)
}).annotations({ identifier: "EnvironmentSpec" })
export type EnvironmentSpec = typeof EnvironmentSpec.Type

/** An Environment as the server answers it: secrets without their values. */
export const Environment = Resource.stored("Environment", EnvironmentSpec, {}).annotations({ identifier: "Environment" })
export type Environment = typeof Environment.Type

/** An Environment as a client sends it. */
export const EnvironmentInput = Resource.input("Environment", EnvironmentSpec).annotations({
  identifier: "EnvironmentInput"
})
export type EnvironmentInput = typeof EnvironmentInput.Type

/** An Environment as it is stored: each secret's value sealed (see `SecretValues`). */
export interface StoredEnvironment extends Omit<Environment, "spec"> {
  readonly spec: {
    readonly description?: string | undefined
    readonly data?: SecretValues.Values<SecretValues.Sealed<EnvironmentValue>> | undefined
  }
}

/** Its labels are kept in `environments_labels` too, for the list's label selector. */
export const table = ResourceTable.make<StoredEnvironment>(Kind, {}, { labels: true })

/** The answered form of a stored environment: secrets masked. */
export const present = (stored: StoredEnvironment): Environment => {
  if (stored.spec.data === undefined) return stored as Environment
  return { ...stored, spec: { ...stored.spec, data: SecretValues.mask(stored.spec.data) } } as Environment
}
