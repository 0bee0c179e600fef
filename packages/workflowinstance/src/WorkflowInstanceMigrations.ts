/**
 * The WorkflowInstance kind's tables (`weft_migrations_workflowinstance`). Add a
 * migration as a new file `migrations/<dialect>/NNNN_<name>.ts` and list it here; never
 * edit an applied one.
 */
import { Migrations } from "@weft/resource"
import pg_create_workflow_instances from "./migrations/pg/0001_create_workflow_instances.js"
import pg_create_workflow_instances_labels from "./migrations/pg/0002_create_workflow_instances_labels.js"
import create_workflow_instances from "./migrations/sqlite/0001_create_workflow_instances.js"
import create_workflow_instances_labels from "./migrations/sqlite/0002_create_workflow_instances_labels.js"

export const WorkflowInstanceMigrations = Migrations.make("workflowinstance", {
  sqlite: {
    "0001_create_workflow_instances": create_workflow_instances,
    "0002_create_workflow_instances_labels": create_workflow_instances_labels
  },
  pg: {
    "0001_create_workflow_instances": pg_create_workflow_instances,
    "0002_create_workflow_instances_labels": pg_create_workflow_instances_labels
  }
})
