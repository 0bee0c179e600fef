/**
 * The WorkflowExecution kind's tables (`weft_migrations_workflowexecution`). Add a
 * migration as a new file `migrations/<dialect>/NNNN_<name>.ts` and list it here; never
 * edit an applied one.
 */
import { Migrations } from "@weft/resource"
import create_workflow_executions from "./migrations/sqlite/0001_create_workflow_executions.js"

export const WorkflowExecutionMigrations = Migrations.make("workflowexecution", {
  sqlite: { "0001_create_workflow_executions": create_workflow_executions }
})
