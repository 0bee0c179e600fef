/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * `ended_at`: when an execution in a terminal phase ended (its `completedAt` in UTC, as
 * `2026-01-11T14:30:22.000Z`), NULL while it runs; retention deletes by it. The keys
 * that started an execution are looked up by it when it is deleted.
 */
export default [
  `ALTER TABLE workflow_executions ADD COLUMN ended_at TEXT COLLATE "C"`,
  `UPDATE workflow_executions SET ended_at = COALESCE(
    to_char((doc::jsonb #>> '{status,completedAt}')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    updated_at)
    WHERE phase IN ('EXECUTION_COMPLETED', 'EXECUTION_FAILED', 'EXECUTION_CANCELLED')`,
  `CREATE INDEX workflow_executions_ended_at ON workflow_executions (ended_at) WHERE ended_at IS NOT NULL`,
  `CREATE INDEX workflow_execution_idempotency_keys_execution ON workflow_execution_idempotency_keys (execution_id)`
]
