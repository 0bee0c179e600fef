/**
 * Calls to the weft API of the server that serves the console (same origin), with the
 * bearer token the user entered, if any. The token lives in sessionStorage: it is gone
 * when the tab closes and never leaves this origin.
 */
import type { ApiErrorBody } from "./types.js"

const tokenKey = "weft.token"

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

type Listener = () => void
const authListeners = new Set<Listener>()

export const token = {
  get: (): string | undefined => sessionStorage.getItem(tokenKey) ?? undefined,
  set: (value: string | undefined) => {
    if (value === undefined || value === "") sessionStorage.removeItem(tokenKey)
    else sessionStorage.setItem(tokenKey, value)
  }
}

/** Called whenever the API answers 401: the console then asks for a token. */
export const onUnauthenticated = (listener: Listener) => {
  authListeners.add(listener)
  return () => void authListeners.delete(listener)
}

export const headers = (extra: Record<string, string> = {}): Record<string, string> => {
  const value = token.get()
  return value === undefined ? extra : { ...extra, authorization: `Bearer ${value}` }
}

/** Turns a non-2xx response into an ApiError with the contract's code and message. */
export const failure = async (response: Response): Promise<ApiError> => {
  if (response.status === 401) for (const listener of authListeners) listener()
  const text = await response.text().catch(() => "")
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>
    if (typeof body.code === "string") {
      return new ApiError(response.status, body.code, body.message ?? `${response.status} ${body.code}`)
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status, "HTTP_" + response.status, text.slice(0, 300) || `HTTP ${response.status}`)
}

export type Query = Record<string, string | number | ReadonlyArray<string> | undefined>

export const queryString = (query: Query | undefined): string => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "") continue
    if (typeof value === "object") for (const item of value) params.append(key, item)
    else params.append(key, String(value))
  }
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

export interface RequestOptions {
  readonly query?: Query
  readonly body?: unknown
  readonly signal?: AbortSignal
  readonly headers?: Record<string, string>
}

export const request = async <A>(method: string, path: string, options: RequestOptions = {}): Promise<A> => {
  const response = await fetch(`${path}${queryString(options.query)}`, {
    method,
    headers: headers({
      accept: "application/json",
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers
    }),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal
  })
  if (!response.ok) throw await failure(response)
  const text = await response.text()
  return (text === "" ? undefined : JSON.parse(text)) as A
}

export const get = <A>(path: string, query?: Query, signal?: AbortSignal) => request<A>("GET", path, { query, signal })
export const post = <A>(path: string, body: unknown) => request<A>("POST", path, { body })

export const message = (error: unknown): string =>
  error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
