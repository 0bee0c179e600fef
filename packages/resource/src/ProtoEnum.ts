/**
 * Enums in the proto3 JSON mapping: written as their value names, and read from either
 * the name or the proto number.
 */
import { ParseResult, Schema } from "effect"

/**
 * A schema whose type is one of `names`; it decodes a name, or a number that is the
 * name's index (its proto number), and always encodes the name.
 */
export const make = <const Names extends readonly [string, ...Array<string>]>(names: Names) => {
  const Name = Schema.Literal(...names)
  const FromNumber = Schema.transformOrFail(Schema.Number, Schema.typeSchema(Name), {
    strict: true,
    decode: (n, _, ast) =>
      Number.isInteger(n) && n >= 0 && n < names.length
        ? ParseResult.succeed(names[n] as Names[number])
        : ParseResult.fail(new ParseResult.Type(ast, n, `unknown enum number ${n}`)),
    encode: (name) => ParseResult.succeed(names.indexOf(name))
  })
  return Schema.Union(Name, FromNumber).annotations({
    message: () => ({ message: `expected one of ${names.join(", ")} (or its number)`, override: true })
  })
}
