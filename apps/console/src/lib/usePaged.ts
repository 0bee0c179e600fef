/** A paged list (`{entries, nextPageToken}`) with "load more". */
import { useEffect, useRef, useState } from "preact/hooks"
import { get, message, type Query } from "../api/Api.js"
import type { Page } from "../api/types.js"

export interface Paged<A> {
  readonly entries: ReadonlyArray<A>
  readonly nextPageToken: string | undefined
  readonly loading: boolean
  readonly error: string | undefined
  readonly loadMore: () => void
}

export const usePaged = <A>(path: string, query: Query, pageSize = 50): Paged<A> => {
  const key = JSON.stringify([path, query, pageSize])
  const [state, setState] = useState<Omit<Paged<A>, "loadMore">>({ entries: [], nextPageToken: undefined, loading: true, error: undefined })
  const controller = useRef<AbortController | undefined>(undefined)
  const fetchPage = (token: string | undefined, append: boolean) => {
    const signal = controller.current!.signal
    setState((s) => ({ ...s, loading: true }))
    get<Page<A>>(path, { ...query, pageSize, pageToken: token }, signal).then(
      (page) =>
        !signal.aborted &&
        setState((s) => ({
          entries: append ? [...s.entries, ...page.entries] : page.entries,
          nextPageToken: page.nextPageToken,
          loading: false,
          error: undefined
        })),
      (error) => !signal.aborted && setState((s) => ({ ...s, loading: false, error: message(error) }))
    )
  }
  useEffect(() => {
    controller.current = new AbortController()
    setState({ entries: [], nextPageToken: undefined, loading: true, error: undefined })
    fetchPage(undefined, false)
    return () => controller.current?.abort()
  }, [key])
  return { ...state, loadMore: () => state.nextPageToken !== undefined && fetchPage(state.nextPageToken, true) }
}
