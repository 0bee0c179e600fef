/**
 * weft's library packages as a program outside the repository gets them: built to
 * `dist/` (`tsc -b tsconfig.build.json`), packed with `pnpm pack` (which rewrites
 * `workspace:` and `catalog:` versions and switches `exports` to `dist/` through
 * `publishConfig`), installed into a temporary app under the system's temp directory
 * (from pnpm's store where it can), then:
 *
 * - `app/app.mjs` runs: it composes weft in-process and watches a run to its end;
 * - the app type-checks against the installed declarations, and `app/bad.mjs`, wrong on
 *   purpose, does not;
 * - every installed package loads.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

/** The library packages: every directory of packages/. */
const manifestOf = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(repoRoot, "packages", name, "package.json"), "utf8"))

const workspacePackages = fs.readdirSync(path.join(repoRoot, "packages"))
  .filter((name) => fs.existsSync(path.join(repoRoot, "packages", name, "package.json")))
  .sort()

/** Published packages; a private one (test support) is never packed and no library may need it. */
const libraries = workspacePackages.filter((name) => manifestOf(name).private !== true)
const privatePackages = workspacePackages.filter((name) => manifestOf(name).private === true)
  .map((name) => manifestOf(name).name as string)

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end; never fails (the exit code is in the answer). */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<Ran>((resume) => {
    execFile(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: "true" } }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })))
  })

const succeed = (what: string, ran: Ran) =>
  assert.strictEqual(ran.code, 0, `${what}\n--- stdout:\n${ran.stdout}\n--- stderr:\n${ran.stderr}`)

/** pnpm as the test was started with it (`pnpm test`), else the version the repository pins. */
const pnpm = (args: ReadonlyArray<string>, cwd: string) => {
  const execPath = process.env.npm_execpath
  return execPath !== undefined && /pnpm/.test(path.basename(execPath)) && fs.existsSync(execPath)
    ? exec(process.execPath, [execPath, ...args], cwd)
    : exec("npx", ["-y", "pnpm@10.34.9", ...args], cwd)
}

const tsc = createRequire(path.join(repoRoot, "package.json")).resolve("typescript/bin/tsc")

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-embedding-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const catalogVersion = (name: string): string => {
  const line = fs.readFileSync(path.join(repoRoot, "pnpm-workspace.yaml"), "utf8").split("\n")
    .find((l) => l.trim().replace(/"/g, "").startsWith(`${name}:`))
  if (line === undefined) throw new Error(`${name} is not in the catalog`)
  return line.slice(line.indexOf(":") + 1).trim()
}

describe("embedding weft outside the repository", () => {
  it("every library package is set up to build and pack", () => {
    const built = JSON.parse(fs.readFileSync(path.join(repoRoot, "tsconfig.build.json"), "utf8")).references
      .map((ref: { readonly path: string }) => ref.path)
    for (const name of libraries) {
      const dir = path.join(repoRoot, "packages", name)
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
      assert.isTrue(fs.existsSync(path.join(dir, "tsconfig.build.json")), `packages/${name}/tsconfig.build.json is missing`)
      assert.include(built, `packages/${name}/tsconfig.build.json`, `the root tsconfig.build.json does not build ${name}`)
      assert.deepStrictEqual(manifest.publishConfig?.exports, {
        ".": { types: "./dist/index.d.ts", import: "./dist/index.js" }
      }, `packages/${name}: publishConfig.exports`)
      assert.deepStrictEqual(manifest.files, ["dist", "src"], `packages/${name}: files`)
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        assert.notInclude(privatePackages, dep, `packages/${name} depends on the private ${dep}`)
      }
      // Project references follow the dependencies, so tsc -b builds them first.
      const references = (JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.build.json"), "utf8")).references ?? [])
        .map((ref: { readonly path: string }) => ref.path).sort()
      const weftDependencies = Object.keys(manifest.dependencies ?? {}).filter((dep) => dep.startsWith("@weft/"))
        .map((dep) => `../${dep.slice("@weft/".length)}/tsconfig.build.json`).sort()
      assert.deepStrictEqual(references, weftDependencies, `packages/${name}/tsconfig.build.json references`)
    }
  })

  it.scoped("build, pack, install into an app outside the workspace, run, type-check", () =>
    Effect.gen(function*() {
      succeed("tsc -b", yield* exec(process.execPath, [tsc, "-b", "tsconfig.build.json"], repoRoot))

      const dir = yield* tempDir
      const packs = path.join(dir, "packs")
      const app = path.join(dir, "app")
      fs.mkdirSync(app)
      const tarballs: Record<string, string> = {}
      for (const name of libraries) {
        succeed(`pack ${name}`, yield* pnpm(["pack", "--pack-destination", packs], path.join(repoRoot, "packages", name)))
        tarballs[`@weft/${name}`] = `file:${path.join(packs, `weft-${name}-0.1.0.tgz`)}`
      }
      for (const [name, spec] of Object.entries(tarballs)) {
        const manifest = yield* exec("tar", ["-xzOf", spec.slice("file:".length), "package/package.json"], dir)
        const packed = JSON.parse(manifest.stdout)
        assert.deepStrictEqual(packed.exports, { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } }, name)
        const versions = JSON.stringify(packed.dependencies)
        assert.notMatch(versions, /workspace:|catalog:/, `${name}: ${versions}`)
      }

      fs.writeFileSync(
        path.join(app, "package.json"),
        JSON.stringify({
          name: "weft-embedding-app",
          private: true,
          type: "module",
          dependencies: {
            ...tarballs,
            effect: catalogVersion("effect"),
            "@effect/sql-sqlite-node": catalogVersion("@effect/sql-sqlite-node"),
            typescript: catalogVersion("typescript"),
            "@types/node": catalogVersion("@types/node")
          },
          // The packages depend on each other by version: take those from the tarballs too.
          pnpm: { overrides: tarballs, onlyBuiltDependencies: ["better-sqlite3"] }
        }, null, 2)
      )
      for (const file of ["app.mjs", "bad.mjs"]) fs.copyFileSync(path.join(here, "../app", file), path.join(app, file))
      fs.writeFileSync(
        path.join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            allowJs: true,
            checkJs: true,
            noEmit: true,
            strict: true,
            module: "NodeNext",
            moduleResolution: "NodeNext",
            target: "ES2022",
            types: ["node"],
            skipLibCheck: true
          }
        })
      )
      succeed("install", yield* pnpm(["install", "--prefer-offline", "--reporter=append-only"], app))

      // The composition runs and sees the run end.
      const ran = yield* exec(process.execPath, ["app.mjs"], app)
      succeed("node app.mjs", ran)
      assert.deepStrictEqual(ran.stdout.trim().split("\n"), [
        "Updated 1 EXECUTION_PENDING",
        "Updated 2 EXECUTION_IN_PROGRESS",
        "Updated 3 EXECUTION_COMPLETED"
      ])

      // Declarations: the app checks clean, the wrong file does not.
      const checked = yield* exec(process.execPath, [path.join(app, "node_modules/typescript/bin/tsc"), "-p", "."], app)
      assert.strictEqual(checked.code, 2, checked.stdout + checked.stderr)
      assert.deepStrictEqual(checked.stdout.trim().split("\n"), [
        "bad.mjs(6,77): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'."
      ])

      // Every package loads from its dist/.
      const loads = yield* exec(process.execPath, [
        "--input-type=module",
        "-e",
        `for (const name of ${JSON.stringify(Object.keys(tarballs))}) {
          const module = await import(name)
          console.log(name, Object.keys(module).length > 0, import.meta.resolve(name).includes("/dist/"))
        }`
      ], app)
      succeed("import every package", loads)
      assert.deepStrictEqual(loads.stdout.trim().split("\n"), Object.keys(tarballs).map((name) => `${name} true true`))
    }))
})
