// Wrong on purpose: the type check of this file must fail, which shows that the
// installed packages carry real declarations (a package typed `any` would pass).
import { Workflows } from "@weft/workflow"
import { Effect } from "effect"

export const wrong = Effect.flatMap(Workflows, (workflows) => workflows.get(42))
