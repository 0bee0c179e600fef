/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise (`COLLATE "C"`), as in SQLite: keyset pages and slug ranges.
 */
export default [
  `CREATE TABLE workflow_executions (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    slug TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    workflow_instance_id TEXT COLLATE "C",
    workflow_id TEXT COLLATE "C",
    phase TEXT COLLATE "C"
  )`,
  `CREATE UNIQUE INDEX workflow_executions_org_slug ON workflow_executions (org, slug)`,
  `CREATE INDEX workflow_executions_workflow_instance_id ON workflow_executions (workflow_instance_id, id)`,
  `CREATE INDEX workflow_executions_workflow_id ON workflow_executions (workflow_id, id)`,
  `CREATE INDEX workflow_executions_phase ON workflow_executions (phase, id)`
]
