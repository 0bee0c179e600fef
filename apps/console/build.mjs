// Builds the console into dist/: index.html and, under dist/assets/, the bundled script
// and stylesheet with content hashes in their names (the server caches those for a year
// and revalidates index.html on every load). esbuild, about a second; no network.
import { build } from "esbuild"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const dist = here("./dist")

const started = performance.now()
// Built beside dist/ and swapped in at the end, so that a server starting meanwhile (tests
// run builds and servers side by side) reads a whole build or none.
const staging = here(`./dist.${process.pid}.partial`)
fs.rmSync(staging, { recursive: true, force: true })

const result = await build({
  entryPoints: [here("./src/main.tsx")],
  outdir: path.join(staging, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "esm",
  target: ["chrome111", "firefox115", "safari16.4"],
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  legalComments: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning"
})

const outputs = Object.entries(result.metafile.outputs)
const named = (ext) => {
  const found = outputs.find(([file, meta]) => meta.entryPoint !== undefined && file.endsWith(ext)) ??
    outputs.find(([file]) => file.endsWith(ext) && !file.endsWith(".map"))
  if (found === undefined) throw new Error(`no ${ext} output`)
  return `/assets/${path.basename(found[0])}`
}
const script = named(".js")
const style = named(".css")
// The icon, hashed like the bundle.
const iconText = fs.readFileSync(here("./src/favicon.svg"))
const icon = `favicon-${createHash("sha256").update(iconText).digest("hex").slice(0, 8)}.svg`
fs.writeFileSync(path.join(staging, "assets", icon), iconText)

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>weft</title>
<link rel="icon" type="image/svg+xml" href="/assets/${icon}">
<link rel="stylesheet" href="${style}">
<script type="module" src="${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The weft console needs JavaScript. The API is described at <a href="/docs">/docs</a>.</noscript>
</body>
</html>
`
fs.writeFileSync(path.join(staging, "index.html"), html)
fs.rmSync(dist, { recursive: true, force: true })
try {
  fs.renameSync(staging, dist)
} catch (error) {
  // Another build swapped its own in first: the same sources, so keep it.
  if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error
  fs.rmSync(staging, { recursive: true, force: true })
}

const size = (file) => fs.statSync(path.join(dist, file.replace(/^\//, ""))).size
process.stdout.write(
  `console built in ${Math.round(performance.now() - started)} ms: ${script} (${Math.round(size(script) / 1024)} KiB), ${style} (${Math.round(size(style) / 1024)} KiB)\n`
)
