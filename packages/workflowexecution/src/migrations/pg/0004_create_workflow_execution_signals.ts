/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_execution_signals (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id TEXT COLLATE "C" NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    signal_id TEXT NOT NULL,
    data TEXT NOT NULL,
    received_at TEXT NOT NULL,
    taken_by TEXT
  )`,
  `CREATE INDEX workflow_execution_signals_execution ON workflow_execution_signals (execution_id, seq)`
]
