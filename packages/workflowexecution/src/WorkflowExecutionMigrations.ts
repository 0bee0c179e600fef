/**
 * The WorkflowExecution kind's tables (`weft_migrations_workflowexecution`). Add a
 * migration as a new file `migrations/<dialect>/NNNN_<name>.ts` and list it here; never
 * edit an applied one.
 */
import { Migrations } from "@weft/resource"
import pg_create_workflow_executions from "./migrations/pg/0001_create_workflow_executions.js"
import pg_create_workflow_execution_changes from "./migrations/pg/0002_create_workflow_execution_changes.js"
import pg_create_workflow_executions_labels from "./migrations/pg/0003_create_workflow_executions_labels.js"
import pg_create_workflow_execution_signals from "./migrations/pg/0004_create_workflow_execution_signals.js"
import create_workflow_executions from "./migrations/sqlite/0001_create_workflow_executions.js"
import create_workflow_execution_changes from "./migrations/sqlite/0002_create_workflow_execution_changes.js"
import create_workflow_executions_labels from "./migrations/sqlite/0003_create_workflow_executions_labels.js"
import create_workflow_execution_signals from "./migrations/sqlite/0004_create_workflow_execution_signals.js"
import pg_create_workflow_execution_idempotency_keys from "./migrations/pg/0005_create_workflow_execution_idempotency_keys.js"
import create_workflow_execution_idempotency_keys from "./migrations/sqlite/0005_create_workflow_execution_idempotency_keys.js"
import pg_add_workflow_executions_ended_at from "./migrations/pg/0006_add_workflow_executions_ended_at.js"
import add_workflow_executions_ended_at from "./migrations/sqlite/0006_add_workflow_executions_ended_at.js"
import pg_create_workflow_execution_phase_counts from "./migrations/pg/0007_create_workflow_execution_phase_counts.js"
import create_workflow_execution_phase_counts from "./migrations/sqlite/0007_create_workflow_execution_phase_counts.js"

export const WorkflowExecutionMigrations = Migrations.make("workflowexecution", {
  sqlite: {
    "0001_create_workflow_executions": create_workflow_executions,
    "0002_create_workflow_execution_changes": create_workflow_execution_changes,
    "0003_create_workflow_executions_labels": create_workflow_executions_labels,
    "0004_create_workflow_execution_signals": create_workflow_execution_signals,
    "0005_create_workflow_execution_idempotency_keys": create_workflow_execution_idempotency_keys,
    "0006_add_workflow_executions_ended_at": add_workflow_executions_ended_at,
    "0007_create_workflow_execution_phase_counts": create_workflow_execution_phase_counts
  },
  pg: {
    "0001_create_workflow_executions": pg_create_workflow_executions,
    "0002_create_workflow_execution_changes": pg_create_workflow_execution_changes,
    "0003_create_workflow_executions_labels": pg_create_workflow_executions_labels,
    "0004_create_workflow_execution_signals": pg_create_workflow_execution_signals,
    "0005_create_workflow_execution_idempotency_keys": pg_create_workflow_execution_idempotency_keys,
    "0006_add_workflow_executions_ended_at": pg_add_workflow_executions_ended_at,
    "0007_create_workflow_execution_phase_counts": pg_create_workflow_execution_phase_counts
  }
})
