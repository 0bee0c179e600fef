/** The shape of the `jq-web` module's resolved export. */
export interface Jq {
  /** `echo <json> | jq <flags> <filter>`: stdout, or undefined when jq printed nothing; throws on a jq error. */
  raw(json: string, filter: string, flags?: ReadonlyArray<string>): string | undefined
}
