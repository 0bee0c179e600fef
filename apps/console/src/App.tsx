/** The console's frame: navigation, the token prompt, and the routes. */
import { LocationProvider, Route, Router, useLocation } from "preact-iso"
import { useEffect, useState } from "preact/hooks"
import { onUnauthenticated, token } from "./api/Api.js"
import { TokenDialog } from "./components/TokenDialog.js"
import { EnvironmentPage, EnvironmentsPage } from "./pages/Environments.js"
import { RunPage } from "./pages/Run.js"
import { RunsPage } from "./pages/Runs.js"
import { InstancePage, InstancesPage, WorkflowPage, WorkflowsPage } from "./pages/Workflows.js"

const Nav = () => {
  const { path } = useLocation()
  const item = (href: string, label: string) => {
    const current = path === href || path.startsWith(`${href}/`) || (href === "/runs" && path === "/")
    return <a href={href} class={current ? "nav-item current" : "nav-item"} aria-current={current ? "page" : undefined}>{label}</a>
  }
  return (
    <nav aria-label="Main">
      {item("/runs", "Runs")}
      {item("/workflows", "Workflows")}
      {item("/instances", "Instances")}
      {item("/environments", "Environments")}
    </nav>
  )
}

const NotFound = () => (
  <section>
    <h1>Not found</h1>
    <p>
      This page does not exist. <a href="/runs">Go to the runs</a>.
    </p>
  </section>
)

export const App = () => {
  const [asking, setAsking] = useState(false)
  const [rejected, setRejected] = useState(false)
  const [generation, setGeneration] = useState(0)
  const [hasToken, setHasToken] = useState(() => token.get() !== undefined)
  useEffect(() =>
    onUnauthenticated(() => {
      setRejected(token.get() !== undefined)
      setAsking(true)
    }), [])
  const reload = () => setGeneration((n) => n + 1)
  return (
    <LocationProvider>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a href="/runs" class="brand" aria-label="weft console home">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M3 6h18M3 12h18M3 18h18M7 3v18M12 3v18M17 3v18" class="brand-mark" />
          </svg>
          weft
        </a>
        <Nav />
        <span class="spacer" />
        <a href="/docs" class="nav-item" target="_blank" rel="noopener">API docs</a>
        {hasToken && (
          <button
            type="button"
            class="ghost"
            onClick={() => {
              token.set(undefined)
              setHasToken(false)
              reload()
            }}
          >
            Forget token
          </button>
        )}
      </header>
      <main id="main" key={generation}>
        <Router>
          <Route path="/" component={RunsPage} />
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:id" component={RunPage} />
          <Route path="/workflows" component={WorkflowsPage} />
          <Route path="/workflows/:id" component={WorkflowPage} />
          <Route path="/instances" component={InstancesPage} />
          <Route path="/instances/:id" component={InstancePage} />
          <Route path="/environments" component={EnvironmentsPage} />
          <Route path="/environments/by-slug/:slug" component={EnvironmentPage} />
          <Route path="/environments/:id" component={EnvironmentPage} />
          <Route default component={NotFound} />
        </Router>
      </main>
      {asking && (
        <TokenDialog
          retry={rejected}
          onCancel={() => setAsking(false)}
          onSaved={() => {
            setAsking(false)
            setHasToken(token.get() !== undefined)
            reload()
          }}
        />
      )}
    </LocationProvider>
  )
}
