/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_execution_idempotency_keys (
    org TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org, key)
  )`,
  `CREATE INDEX workflow_execution_idempotency_keys_created_at ON workflow_execution_idempotency_keys (created_at)`
]
