import { render } from "preact"
import { App } from "./App.js"
import { capabilities } from "./api/capabilities.js"
import "./styles.css"

// Asked for before the first render: the runs page waits for it to know its query.
void capabilities()
render(<App />, document.getElementById("app")!)
