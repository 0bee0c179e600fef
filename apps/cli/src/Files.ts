/** Reading what a command is given as a file: a path, or `-` for stdin. */
import { FileSystem } from "@effect/platform"
import { InvalidArgument } from "@weft/resource"
import { Effect } from "effect"
import { fileError } from "./CliError.js"

const readStdin = Effect.async<string, InvalidArgument>((resume) => {
  let data = ""
  process.stdin.setEncoding("utf8")
  process.stdin.on("data", (chunk: string) => void (data += chunk))
  process.stdin.once("end", () => resume(Effect.succeed(data)))
  process.stdin.once("error", (error) =>
    resume(Effect.fail(new InvalidArgument({ message: `cannot read stdin: ${error.message}` }))))
})

/** The text of `file`, or of stdin for `-`. */
export const read = (file: string): Effect.Effect<string, InvalidArgument, FileSystem.FileSystem> =>
  file === "-"
    ? readStdin
    : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(
      Effect.mapError((error) => new InvalidArgument({ message: `cannot read ${file}: ${fileError(error)}` }))
    )
