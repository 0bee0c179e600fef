/** Asks for the API token when the server answers 401; kept in sessionStorage. */
import { useEffect, useRef, useState } from "preact/hooks"
import { token } from "../api/Api.js"

export const TokenDialog = ({ onSaved, onCancel, retry }: {
  readonly onSaved: () => void
  readonly onCancel: () => void
  readonly retry: boolean
}) => {
  const [value, setValue] = useState("")
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="token-title">
      <form
        class="dialog"
        onSubmit={(e) => {
          e.preventDefault()
          token.set(value.trim())
          onSaved()
        }}
        onKeyDown={(e) => e.key === "Escape" && onCancel()}
      >
        <h2 id="token-title">API token</h2>
        <p>
          This server needs a bearer token. It is kept in this tab only (sessionStorage) and sent with each request.
        </p>
        {retry && <p class="error" role="alert">The server did not accept the token.</p>}
        <label class="field">
          <span>Token</span>
          <input
            ref={input}
            type="password"
            name="token"
            autocomplete="off"
            required
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="button" class="ghost" onClick={onCancel}>Cancel</button>
          <button type="submit" class="primary">Use token</button>
        </div>
      </form>
    </div>
  )
}
