// Bundles the command line into dist/weft.mjs with esbuild: one file that plain node
// runs without a TypeScript loader, so that `weft` starts in a fraction of a second.
// The list of the repository's source files that went into it is written beside it
// (dist/weft.inputs.json): bin/weft.mjs rebuilds when one of them is newer.
import { build } from "esbuild"
import { writeFileSync } from "node:fs"
import { relative } from "node:path"
import { fileURLToPath } from "node:url"

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

const result = await build({
  entryPoints: [here("./src/bin.ts")],
  outfile: here("./dist/weft.mjs"),
  bundle: true,
  minify: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  metafile: true,
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning"
})

const cwd = process.cwd()
const inputs = Object.keys(result.metafile.inputs)
  .map((input) => relative(here("./dist"), `${cwd}/${input}`))
  .filter((input) => !input.includes("node_modules"))
writeFileSync(here("./dist/weft.inputs.json"), JSON.stringify(inputs))
