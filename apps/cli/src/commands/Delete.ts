/**
 * `weft delete KIND NAME`: deletes one resource by id or slug.
 */
import { Args, Command } from "@effect/cli"
import { InvalidArgument } from "@weft/resource"
import { Effect, Option } from "effect"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import { connection, org, withClient } from "../Shared.js"

export const del = Command.make(
  "delete",
  {
    ...connection,
    org,
    kind: Args.text({ name: "KIND" }).pipe(Args.withDescription(`${Kind.kindHelp}; also KIND/NAME`)),
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("Id or slug"), Args.optional)
  },
  (options) =>
    Effect.gen(function*() {
      const { kind, name } = yield* Kind.parseWithName(options.kind, Option.getOrUndefined(options.name))
      if (name === undefined) return yield* new InvalidArgument({ message: "delete needs the id or slug of the resource" })
      const resource = yield* Kind.find(kind, name, Option.getOrUndefined(options.org))
      const deleted = yield* Kind.remove(kind, resource)
      yield* Stdio.out(`${Kind.label(deleted)} deleted`)
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Delete a resource by id or slug"))
