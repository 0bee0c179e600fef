/**
 * Enums in the proto3 JSON mapping: written as their value names, and read from either
 * the name or the proto number.
 */
import { ParseResult, Schema } from "effect"

/**
 * A schema whose type is one of `names`; it decodes a name, or its proto number, and
 * always encodes the name. The proto number of `names[i]` is `i + firstNumber`: enums
 * whose 0 is an UNSPECIFIED value that the API does not accept start at 1.
 */
export const make = <const Names extends readonly [string, ...Array<string>]>(
  names: Names,
  options: { readonly firstNumber?: number } = {}
) => {
  const first = options.firstNumber ?? 0
  const Name = Schema.Literal(...names)
  const FromNumber = Schema.transformOrFail(Schema.Number, Schema.typeSchema(Name), {
    strict: true,
    decode: (n, _, ast) =>
      Number.isInteger(n) && n >= first && n - first < names.length
        ? ParseResult.succeed(names[n - first] as Names[number])
        : ParseResult.fail(new ParseResult.Type(ast, n, `unknown enum number ${n}`)),
    encode: (name) => ParseResult.succeed(names.indexOf(name) + first)
  })
  return Schema.Union(Name, FromNumber).annotations({
    message: () => ({ message: `expected one of ${names.join(", ")} (or its number)`, override: true })
  })
}
