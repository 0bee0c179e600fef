/** Small hooks the pages share. */
import { useEffect, useState } from "preact/hooks"
import { message } from "../api/Api.js"
import { type Capabilities, capabilities } from "../api/capabilities.js"

/** The current time, updated every `intervalMillis` while `active`. */
export const useNow = (active = true, intervalMillis = 1000): number => {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMillis)
    return () => clearInterval(timer)
  }, [active, intervalMillis])
  return now
}

export type Loaded<A> =
  | { readonly state: "loading" }
  | { readonly state: "error"; readonly error: string; readonly status?: number }
  | { readonly state: "ready"; readonly value: A }

/** Loads `load()` again whenever `deps` change; the result of a superseded load is dropped. */
export const useLoad = <A>(load: (signal: AbortSignal) => Promise<A>, deps: ReadonlyArray<unknown>): [Loaded<A>, () => void] => {
  const [result, setResult] = useState<Loaded<A>>({ state: "loading" })
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setResult((previous) => previous.state === "ready" ? previous : { state: "loading" })
    load(controller.signal).then(
      (value) => !controller.signal.aborted && setResult({ state: "ready", value }),
      (error) =>
        !controller.signal.aborted &&
        setResult({ state: "error", error: message(error), status: (error as { status?: number }).status })
    )
    return () => controller.abort()
  }, [...deps, generation])
  return [result, () => setGeneration((n) => n + 1)]
}

/** What the server offers; undefined until its OpenAPI document was read (once per tab). */
export const useCapabilities = (): Capabilities | undefined => {
  const [value, setValue] = useState<Capabilities | undefined>(undefined)
  useEffect(() => {
    let live = true
    capabilities().then((c) => live && setValue(c))
    return () => {
      live = false
    }
  }, [])
  return value
}

/** The document title: `<title> · weft`. */
export const useTitle = (title: string) => {
  useEffect(() => {
    document.title = title === "" ? "weft" : `${title} · weft`
  }, [title])
}
