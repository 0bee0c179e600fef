/**
 * Help and usage as plain text: `weft --help`, `weft CMD --help`, and the usage printed
 * after a usage error.
 *
 * The command tree's own help document (from @effect/cli) is the source, so options and
 * their descriptions are written once, where the command is defined. It is rendered
 * here without terminal escapes (help is read in pipes, pagers and files as often as on
 * a terminal), without the library's generic lines ("A user-defined piece of text.",
 * "This setting is optional."), and with the optional parts of the usage line in
 * brackets: an option is optional unless it says "required".
 */
import { CliConfig, Command as Cmd, type HelpDoc } from "@effect/cli"
import type * as Command from "@effect/cli/Command"
import type { Span } from "@effect/cli/HelpDoc/Span"

const config = CliConfig.make({ showBuiltIns: false })

/** Plain text of a span. */
export const spanText = (span: Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

/** The blocks of a document, sequences flattened. */
const blocks = (doc: HelpDoc.HelpDoc): ReadonlyArray<HelpDoc.HelpDoc> =>
  doc._tag === "Sequence" ? [...blocks(doc.left), ...blocks(doc.right)] : doc._tag === "Empty" ? [] : [doc]

/** Plain text of a document: paragraphs separated by blank lines, lists as their items. */
export const docText = (doc: HelpDoc.HelpDoc): string =>
  blocks(doc).map((block) => {
    switch (block._tag) {
      case "Header":
        return spanText(block.value)
      case "Paragraph":
        return spanText(block.value)
      case "DescriptionList":
        return block.definitions.map(([term, body]) => `${spanText(term)}: ${docText(body)}`).join("\n")
      case "Enumeration":
        return block.elements.map((element) => `- ${docText(element)}`).join("\n")
      default:
        return ""
    }
  }).filter((text) => text !== "").join("\n")

/** The library's generic descriptions of value types, repeated under every option. */
const generic = [
  /^A user-defined piece of text/,
  /^One of the following: /,
  /^An integer\.$/,
  /^A floating point number\.$/,
  /^A true or false value\.$/,
  /^This option can be set from environment variables\.$/,
  /^A (file|directory|file or directory)/
]

interface Entry {
  /** `--server URL`, `-o, --output FORMAT`, `<WORKFLOW>`. */
  readonly term: string
  readonly text: string
  readonly optional: boolean
  readonly repeated: boolean
}

const entry = (term: Span, body: HelpDoc.HelpDoc, kind: "argument" | "option"): Entry => {
  let optional = false
  let repeated = false
  let defaults: string | undefined
  const texts: Array<string> = []
  for (const block of blocks(body)) {
    const text = block._tag === "Paragraph" ? spanText(block.value) : docText(block)
    if (text.startsWith("This setting is optional.")) {
      optional = true
      const match = /Defaults to: (.*)$/.exec(text)
      if (match !== null) defaults = match[1]
    } else if (text.startsWith("This option may be repeated") || text.startsWith("This argument may be repeated")) {
      optional = optional || /zero or more/.test(text)
      repeated = true
    } else if (!generic.some((pattern) => pattern.test(text))) {
      texts.push(text)
    }
  }
  // `(-o, --output FORMAT)` → `-o, --output FORMAT`; `(-i, --input KEY=VALUE)...` → `-i, --input KEY=VALUE...`
  const plain = spanText(term).replace(/^\((.*)\)(\.\.\.)?$/, "$1$2")
  const notes = [
    repeated && !/repeatable/.test(texts.join(" ")) ? "repeatable" : undefined,
    defaults === undefined || /default/i.test(texts.join(" ")) ? undefined : `default: ${defaults}`,
    optional || repeated || kind === "argument" ? undefined : "required"
  ].filter((note) => note !== undefined)
  const text = [texts.join(" "), notes.length === 0 ? "" : `(${notes.join(", ")})`].filter((t) => t !== "").join(" ")
  return { term: plain, text, optional, repeated }
}

interface Sections {
  readonly description: ReadonlyArray<string>
  readonly args: ReadonlyArray<Entry>
  readonly options: ReadonlyArray<Entry>
}

const sections = (doc: HelpDoc.HelpDoc): Sections => {
  const description: Array<string> = []
  const args: Array<Entry> = []
  const options: Array<Entry> = []
  let section = ""
  for (const block of blocks(doc)) {
    if (block._tag === "Header") {
      section = spanText(block.value).trim().toUpperCase()
      continue
    }
    const target = section === "ARGUMENTS" ? args : section === "OPTIONS" ? options : undefined
    if (block._tag === "DescriptionList" && target !== undefined) {
      for (const [term, body] of block.definitions) target.push(entry(term, body, target === args ? "argument" : "option"))
    } else if (section === "DESCRIPTION" || section === "") {
      const text = docText(block)
      if (text !== "") description.push(text)
    }
  }
  return { description, args, options }
}

/** Wraps `text` at `width` columns; continuation lines are indented by `indent`. */
const wrap = (text: string, width: number, indent: number): string => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === "" ? word : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(line)
  return lines.join(`\n${" ".repeat(indent)}`)
}

/** Terms in a column, their texts beside them. */
const list = (entries: ReadonlyArray<Entry>): string => {
  const column = Math.min(30, Math.max(...entries.map((e) => e.term.length)) + 2)
  const width = Math.max(40, (process.stdout.columns ?? 100) - column - 2)
  return entries.map((e) => {
    const head = `  ${e.term}`
    const pad = head.length + 2 > column + 2 ? `\n${" ".repeat(column + 2)}` : " ".repeat(column + 2 - head.length)
    return e.text === "" ? head : `${head}${pad}${wrap(e.text, width, column + 2)}`
  }).join("\n")
}

const argUsage = (arg: Entry) => {
  const name = arg.term.replace(/\.\.\.$/, "")
  const shown = arg.repeated ? `${name}...` : name
  return arg.optional ? `[${shown}]` : shown
}

type AnyCommand = Command.Command<any, any, any, any>

/** The command line's commands: the root, and its subcommands by name. */
export interface Tree {
  readonly root: AnyCommand
  readonly subcommands: Readonly<Record<string, AnyCommand>>
}

const target = (tree: Tree, name: string | undefined): AnyCommand =>
  name === undefined ? tree.root : tree.subcommands[name] ?? tree.root

/** `weft run [options] <WORKFLOW>`: the usage line of a subcommand (or of the root). */
export const usageLine = (tree: Tree, name: string | undefined): string => {
  if (name === undefined || tree.subcommands[name] === undefined) return "weft <command> [options]"
  const s = sections(Cmd.getHelp(target(tree, name), config))
  const required = s.options.filter((o) => !o.optional && !o.repeated).map((o) => o.term.replace(/^-\w, /, ""))
  return [
    "weft",
    name,
    ...required,
    ...(s.options.length > required.length ? ["[options]"] : []),
    ...s.args.map(argUsage)
  ].join(" ")
}

/** The full help of a subcommand (or of the root), as plain text. */
export const render = (tree: Tree, name: string | undefined): string => {
  const command = target(tree, name)
  const s = sections(Cmd.getHelp(command, config))
  const parts: Array<string> = [`Usage: ${usageLine(tree, name)}`]
  if (s.description.length > 0) parts.push(s.description.join("\n\n"))
  if (command === tree.root) {
    const commands = Object.entries(tree.subcommands).map(([sub, cmd]): Entry => ({
      term: sub,
      text: sections(Cmd.getHelp(cmd, config)).description[0] ?? "",
      optional: true,
      repeated: false
    }))
    parts.push(`Commands:\n${list(commands)}`)
    parts.push(
      "Run 'weft <command> --help' for the options of a command.\n" +
        "Also: weft --version, weft --completions bash|zsh|fish|sh"
    )
    return parts.join("\n\n")
  }
  if (s.args.length > 0) parts.push(`Arguments:\n${list(s.args)}`)
  if (s.options.length > 0) parts.push(`Options:\n${list(s.options)}`)
  return parts.join("\n\n")
}
