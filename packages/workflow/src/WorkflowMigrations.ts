/**
 * The Workflow kind's tables (`weft_migrations_workflow`). Add a migration as a new file
 * `migrations/<dialect>/NNNN_<name>.ts` and list it here; never edit an applied one.
 */
import { Migrations } from "@weft/resource"
import pg_create_workflows from "./migrations/pg/0001_create_workflows.js"
import pg_create_workflows_labels from "./migrations/pg/0002_create_workflows_labels.js"
import create_workflows from "./migrations/sqlite/0001_create_workflows.js"
import create_workflows_labels from "./migrations/sqlite/0002_create_workflows_labels.js"

export const WorkflowMigrations = Migrations.make("workflow", {
  sqlite: {
    "0001_create_workflows": create_workflows,
    "0002_create_workflows_labels": create_workflows_labels
  },
  pg: {
    "0001_create_workflows": pg_create_workflows,
    "0002_create_workflows_labels": pg_create_workflows_labels
  }
})
