/**
 * Where HTTP_CALL tasks may connect. `WEFT_HTTP_DENY` lists hosts, addresses and CIDR
 * ranges that are refused (default: the link-local ranges 169.254.0.0/16 and fe80::/10,
 * where cloud metadata services answer); `WEFT_HTTP_ALLOW`, when set, lists the only ones
 * allowed. Addresses are checked after DNS resolution, on the address the call connects
 * to, so a name that resolves into a denied range is refused too.
 *
 * Entries are separated by commas or whitespace: `10.0.0.0/8`, `fd00::/8`, `127.0.0.1`,
 * `metadata.internal`, `*.corp.example` (every name under it).
 */
import { Config, ConfigError, Context, Effect, Either, Layer, Option } from "effect"
import { BlockList, isIP } from "node:net"

export interface HttpPolicyShape {
  /** Why a call to `host` (a name or an address literal) is refused by name, or undefined. */
  readonly checkHost: (host: string) => string | undefined
  /** Why connecting `host` at the resolved `address` is refused, or undefined. */
  readonly checkAddress: (host: string, address: string) => string | undefined
}

export class HttpPolicy extends Context.Tag("@weft/engine/HttpPolicy")<HttpPolicy, HttpPolicyShape>() {}

/** The ranges refused when `WEFT_HTTP_DENY` is not set. */
export const defaultDeny: ReadonlyArray<string> = ["169.254.0.0/16", "fe80::/10"]

export interface Options {
  readonly deny?: ReadonlyArray<string>
  /** When given, only these are allowed. */
  readonly allow?: ReadonlyArray<string>
}

interface Rules {
  readonly addresses: BlockList
  readonly names: ReadonlyArray<string>
  readonly suffixes: ReadonlyArray<string>
}

const family = (address: string): "ipv4" | "ipv6" => (isIP(address) === 6 ? "ipv6" : "ipv4")

/** Parses entries into address ranges and names; a malformed CIDR is an error. */
export const parseRules = (entries: ReadonlyArray<string>): Rules => {
  const addresses = new BlockList()
  const names: Array<string> = []
  const suffixes: Array<string> = []
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase()
    if (entry === "") continue
    const slash = entry.indexOf("/")
    if (slash >= 0) {
      const base = entry.slice(0, slash)
      const prefix = Number(entry.slice(slash + 1))
      const max = isIP(base) === 6 ? 128 : 32
      if (isIP(base) === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new Error(`not a CIDR range: "${raw}"`)
      }
      addresses.addSubnet(base, prefix, family(base))
    } else if (isIP(entry.replace(/^\[|\]$/g, "")) !== 0) {
      const address = entry.replace(/^\[|\]$/g, "")
      addresses.addAddress(address, family(address))
    } else if (entry.startsWith("*.")) {
      suffixes.push(entry.slice(1))
    } else {
      names.push(entry)
    }
  }
  return { addresses, names, suffixes }
}

const matchesName = (rules: Rules, host: string): boolean => {
  const name = host.toLowerCase().replace(/\.$/, "")
  return rules.names.includes(name) || rules.suffixes.some((suffix) => name.endsWith(suffix))
}

/** `::ffff:169.254.169.254` is the IPv4 address it maps. */
const unmapped = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped === null ? address : mapped[1]
}

const matchesAddress = (rules: Rules, address: string): boolean => {
  const plain = unmapped(address.replace(/^\[|\]$/g, ""))
  return rules.addresses.check(plain, family(plain))
}

export const make = (options: Options): HttpPolicyShape => {
  const deny = parseRules(options.deny ?? defaultDeny)
  const allow = options.allow === undefined ? undefined : parseRules(options.allow)
  const checkHost = (host: string): string | undefined => {
    if (matchesName(deny, host)) return `${host} is denied by WEFT_HTTP_DENY`
    if (isIP(host.replace(/^\[|\]$/g, "")) !== 0) return checkAddress(host, host)
    return undefined
  }
  const checkAddress = (host: string, address: string): string | undefined => {
    const shown = host === address ? address : `${host} (${address})`
    if (matchesAddress(deny, address)) return `${shown} is denied by WEFT_HTTP_DENY`
    if (allow !== undefined && !matchesName(allow, host) && !matchesAddress(allow, address)) {
      return `${shown} is not allowed by WEFT_HTTP_ALLOW`
    }
    return undefined
  }
  return { checkHost, checkAddress }
}

export const layer = (options: Options): Layer.Layer<HttpPolicy> => Layer.succeed(HttpPolicy, make(options))

/** A list variable; a malformed entry is a ConfigError naming the variable. */
const list = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((value) => {
      const entries = value.split(/[\s,]+/).filter((entry) => entry !== "")
      try {
        parseRules(entries)
        return Either.right(entries)
      } catch (error) {
        return Either.left(ConfigError.InvalidData([name], error instanceof Error ? error.message : String(error)))
      }
    }),
    Config.option,
    Config.map(Option.getOrUndefined)
  )

/** Reads `WEFT_HTTP_DENY` (unset: the default; empty: deny nothing) and `WEFT_HTTP_ALLOW`. */
export const layerConfig: Layer.Layer<HttpPolicy, ConfigError.ConfigError> = Layer.effect(
  HttpPolicy,
  Effect.gen(function*() {
    const deny = yield* list("WEFT_HTTP_DENY")
    const allow = yield* list("WEFT_HTTP_ALLOW")
    return make({ deny, allow })
  })
)
