// `pnpm start` runs this after building the bundles: the server (apps/server/dist/main.mjs)
// in this process, which pnpm started with `exec`, so that signals sent to it reach the
// server.
//
// Started as `npx -y pnpm@… start`, the process a supervisor knows is npx, and npx dies
// on SIGTERM without passing the signal on: pnpm and the server would be left running.
// So when npx is among this process's ancestors, it is watched, and once it is gone the
// server gets SIGTERM, and shuts down as it always does (in-flight requests finish, the
// database is closed). Other launchers (a shell, pnpm alone, systemd, nohup) are left
// alone. Linux only (it reads /proc); elsewhere nothing is watched.
import { readFileSync } from "node:fs"

/** `{ppid, start}` of a process from /proc/<pid>/stat, or undefined when it is gone. */
const stat = (pid) => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // After "pid (comm) ": state, ppid, … ; field 22 is the start time.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return { ppid: Number(fields[1]), start: fields[19] }
  } catch {
    return undefined
  }
}

const commandLine = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
  } catch {
    return ""
  }
}

/** The nearest ancestor that is npx (`npm exec …`), with its start time. */
const findNpx = () => {
  let pid = process.ppid
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = stat(pid)
    if (info === undefined) return undefined
    const command = commandLine(pid)
    if (/^npm exec\b/.test(command) || /\bnpx(-cli\.js)?\b/.test(command)) return { pid, start: info.start, command }
    pid = info.ppid
  }
  return undefined
}

const npx = process.platform === "linux" ? findNpx() : undefined
if (npx !== undefined) {
  const timer = setInterval(() => {
    const now = stat(npx.pid)
    if (now !== undefined && now.start === npx.start) return
    clearInterval(timer)
    process.stderr.write(`weft: ${npx.command} (pid ${npx.pid}) is gone; shutting down\n`)
    process.kill(process.pid, "SIGTERM")
  }, 500)
  timer.unref()
}

await import("../apps/server/dist/main.mjs")
