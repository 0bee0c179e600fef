/**
 * The runs list, live. The first page comes from the list route; changes come from the
 * feed of every change (`GET /v1/workflow-executions/watch`), resumed with Last-Event-ID
 * after a cut and listed again after `event: reset`. A server without the feed (404 on
 * its route) is polled instead: the loaded rows are listed again every few seconds.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { ApiError, get, message } from "../api/Api.js"
import { type Capabilities, minimal } from "../api/capabilities.js"
import { isAbort, stream } from "../api/sse.js"
import { pause } from "../lib/pause.js"
import { newer } from "./useExecution.js"
import { type Execution, isTerminal, type Page } from "../api/types.js"
import { applyChange, clientFilters, matchesFilters, removeRun, type RunFilters, toQuery } from "../lib/runs.js"

export type LiveMode = "connecting" | "live" | "polling" | "reconnecting"

export interface RunsState {
  readonly entries: ReadonlyArray<Execution>
  readonly nextPageToken: string | undefined
  readonly loading: boolean
  readonly error: string | undefined
  readonly mode: LiveMode
}

export const pageSize = 50
export const pollMillis = 3000
export const maxRunWatches = 3
const maxPageSize = 1000

/** Starts once `capabilities` are known (which filters the list takes decides the query). */
export const useRuns = (filters: RunFilters, known: Capabilities | undefined) => {
  const capabilities = known ?? minimal
  const [state, setState] = useState<RunsState>({
    entries: [],
    nextPageToken: undefined,
    loading: true,
    error: undefined,
    mode: "connecting"
  })
  const current = useRef(state)
  current.current = state
  const key = JSON.stringify([filters, known === undefined ? null : [...known.listParams].sort()])
  const query = useMemo(() => toQuery(filters, capabilities), [key])
  const keepLoaded = useMemo(() => matchesFilters(clientFilters(filters, capabilities)), [key])
  const keepLive = useMemo(() => matchesFilters(filters), [key])
  const loadMoreRef = useRef<() => void>(() => {})

  useEffect(() => {
    const controller = new AbortController()
    const { signal } = controller
    const update = (f: (s: RunsState) => RunsState) => !signal.aborted && setState((s) => f(s))

    /**
     * Lists `size` rows from the top, replacing what is shown; a row a watch already has
     * in a later version keeps that one. Answers the rows.
     */
    const list = async (size: number): Promise<ReadonlyArray<Execution>> => {
      const page = await get<Page<Execution>>("/v1/workflow-executions", { ...query, pageSize: size }, signal)
      const entries = page.entries.filter(keepLoaded)
      update((s) => {
        const shown = new Map(s.entries.map((e) => [e.metadata.id, e]))
        return {
          ...s,
          entries: entries.map((e) => newer(shown.get(e.metadata.id), e)),
          nextPageToken: page.nextPageToken,
          loading: false,
          error: undefined
        }
      })
      return entries
    }

    /**
     * Without the feed, the first few unfinished rows are followed through their own
     * watch streams, so their phases change at once rather than at the next poll (a few
     * only: a browser opens at most six connections to one server).
     */
    const watched = new Map<string, AbortController>()
    const watchUnfinished = (entries: ReadonlyArray<Execution>) => {
      const chosen = entries.filter((e) => !isTerminal(e.status.phase)).slice(0, maxRunWatches).map((e) => e.metadata.id)
      for (const [id, watch] of watched) {
        if (!chosen.includes(id)) {
          watch.abort()
          watched.delete(id)
        }
      }
      for (const id of chosen) {
        if (watched.has(id)) continue
        const watch = new AbortController()
        watched.set(id, watch)
        signal.addEventListener("abort", () => watch.abort(), { once: true })
        stream(`/v1/workflow-executions/${encodeURIComponent(id)}/watch`, {
          signal: watch.signal,
          onEvent: (event) => {
            if (event.event === "deleted") update((s) => ({ ...s, entries: removeRun(s.entries, id) }))
            if (event.event !== "execution") return
            const execution = JSON.parse(event.data) as Execution
            update((s) => ({ ...s, entries: applyChange(s.entries, execution, keepLive, true) }))
          }
        }).catch(() => {
          // Cut or refused: the next poll chooses again.
        }).finally(() => {
          if (watched.get(id) === watch) watched.delete(id)
        })
      }
    }

    loadMoreRef.current = async () => {
      const token = current.current.nextPageToken
      if (token === undefined) return
      update((s) => ({ ...s, loading: true }))
      try {
        const page = await get<Page<Execution>>(
          "/v1/workflow-executions",
          { ...query, pageSize, pageToken: token },
          signal
        )
        update((s) => {
          const seen = new Set(s.entries.map((e) => e.metadata.id))
          const more = page.entries.filter((e) => keepLoaded(e) && !seen.has(e.metadata.id))
          return { ...s, entries: [...s.entries, ...more], nextPageToken: page.nextPageToken, loading: false }
        })
      } catch (error) {
        if (!isAbort(error)) update((s) => ({ ...s, loading: false, error: message(error) }))
      }
    }

    const poll = async (shown: ReadonlyArray<Execution> | undefined) => {
      update((s) => ({ ...s, mode: "polling" }))
      if (shown !== undefined) watchUnfinished(shown)
      while (!signal.aborted) {
        await pause(pollMillis, signal)
        if (signal.aborted) return
        if (document.hidden) continue
        try {
          const loaded = current.current.entries.length
          watchUnfinished(await list(Math.min(maxPageSize, Math.max(pageSize, loaded))))
        } catch (error) {
          if (!isAbort(error)) update((s) => ({ ...s, error: message(error) }))
        }
      }
    }

    const follow = async () => {
      let lastEventId: string | undefined
      let opened = false
      const failed = (error: unknown): undefined => {
        if (!isAbort(error)) update((s) => ({ ...s, loading: false, error: message(error) }))
        return undefined
      }
      // The first page is asked for at once, beside the feed, for a quick first render. It
      // may be read before the feed is subscribed, so the feed's opening lists again.
      const first = list(pageSize).catch(failed)
      // Changes that arrive while the first page is on its way are applied after it.
      let pending: Array<{ type: string; execution: Execution }> | undefined = []
      const apply = (type: string, execution: Execution) => {
        if (pending !== undefined) {
          pending.push({ type, execution })
          return
        }
        update((s) => ({
          ...s,
          entries: type === "deleted"
            ? removeRun(s.entries, execution.metadata.id)
            : applyChange(s.entries, execution, keepLive, s.nextPageToken === undefined)
        }))
      }
      const relist = async () => {
        pending = []
        await first
        await list(Math.min(maxPageSize, Math.max(pageSize, current.current.entries.length)))
        const queued = pending
        pending = undefined
        for (const change of queued) apply(change.type, change.execution)
      }
      while (!signal.aborted) {
        try {
          await stream("/v1/workflow-executions/watch", {
            // Phases change: the feed is asked for every phase, and each change is placed
            // in or out of the list here.
            query: { ...query, phase: undefined },
            signal,
            lastEventId,
            onOpen: () => {
              update((s) => ({ ...s, mode: "live" }))
              if (!opened) {
                opened = true
                relist().catch(failed)
              }
            },
            onEvent: (event) => {
              if (event.id !== undefined) lastEventId = event.id
              if (event.event === "reset") {
                relist().catch(failed)
              } else if (event.event === "execution" || event.event === "deleted") {
                const data = JSON.parse(event.data) as Execution
                if (data?.metadata?.id !== undefined) apply(event.event, data)
              }
            }
          })
        } catch (error) {
          if (isAbort(error)) return
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            // The console asks for a token and loads the page again with it.
            update((s) => ({ ...s, loading: false, error: message(error) }))
            return
          }
          if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
            return poll(await first)
          }
        }
        if (signal.aborted) return
        update((s) => ({ ...s, mode: "reconnecting" }))
        await pause(1500, signal)
      }
    }

    setState({ entries: [], nextPageToken: undefined, loading: true, error: undefined, mode: "connecting" })
    if (known !== undefined) follow()
    return () => controller.abort()
  }, [key])

  return { ...state, loadMore: () => loadMoreRef.current() }
}
