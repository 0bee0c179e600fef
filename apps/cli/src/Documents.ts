/**
 * The documents of an `apply` file: YAML or JSON, several per file separated by `---`.
 * A document that is a JSON/YAML array, or a `kind: List` with `items`, counts as its
 * elements. Empty documents are skipped.
 */
import { InvalidArgument } from "@weft/resource"
import { Effect } from "effect"
import * as YAML from "yaml"

export interface Document {
  /** `FILE#N`, N counting from 1 in the file, for messages. */
  readonly source: string
  /** The file it was read from (`<stdin>` for `-f -`). */
  readonly file: string
  readonly value: Record<string, unknown>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Parses `text` (from `file`) into its documents. */
export const parse = (file: string, text: string): Effect.Effect<ReadonlyArray<Document>, InvalidArgument> =>
  Effect.suspend(() => {
    const out: Array<Document> = []
    const docs = YAML.parseAllDocuments(text, { prettyErrors: true })
    const all = Array.isArray(docs) ? docs : [docs]
    let n = 0
    const add = (value: unknown, where: string): InvalidArgument | undefined => {
      if (value === null || value === undefined) return undefined
      if (Array.isArray(value)) {
        for (const item of value) {
          const error = add(item, where)
          if (error !== undefined) return error
        }
        return undefined
      }
      if (!isRecord(value)) {
        return new InvalidArgument({ message: `${where}: a document must be an object, got ${JSON.stringify(value)}` })
      }
      if (value.kind === "List" && Array.isArray(value.items)) return add(value.items, where)
      n++
      out.push({ source: `${file}#${n}`, file, value })
      return undefined
    }
    for (const [index, doc] of all.entries()) {
      const where = `${file}: document ${index + 1}`
      if (doc.errors.length > 0) {
        const first = doc.errors[0]
        return Effect.fail(new InvalidArgument({ message: `${where}: ${first.message.split("\n")[0]}` }))
      }
      const error = add(doc.toJS(), where)
      if (error !== undefined) return Effect.fail(error)
    }
    return Effect.succeed(out)
  })
