/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise (`COLLATE "C"`), as in SQLite.
 */
export default [
  `CREATE TABLE workflow_execution_idempotency_keys (
    org TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    request_hash TEXT NOT NULL,
    execution_id TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org, key)
  )`,
  `CREATE INDEX workflow_execution_idempotency_keys_created_at ON workflow_execution_idempotency_keys (created_at)`
]
