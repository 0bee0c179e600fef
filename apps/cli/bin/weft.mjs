#!/usr/bin/env node
// The `weft` executable: runs the bundle dist/weft.mjs, building it first when it is
// missing or older than one of the source files it was built from.
import { existsSync, readFileSync, statSync } from "node:fs"

const dist = new URL("../dist/", import.meta.url)
const bundle = new URL("weft.mjs", dist)

const stale = () => {
  if (!existsSync(bundle)) return true
  const built = statSync(bundle).mtimeMs
  let inputs
  try {
    inputs = JSON.parse(readFileSync(new URL("weft.inputs.json", dist), "utf8"))
  } catch {
    return true
  }
  return inputs.some((input) => {
    try {
      return statSync(new URL(input, dist)).mtimeMs > built
    } catch {
      return true
    }
  })
}

if (stale()) await import("../build.mjs")
await import(bundle.href)
