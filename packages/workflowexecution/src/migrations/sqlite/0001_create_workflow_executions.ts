/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_executions (
    id TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    workflow_instance_id TEXT,
    workflow_id TEXT,
    phase TEXT
  )`,
  `CREATE UNIQUE INDEX workflow_executions_org_slug ON workflow_executions (org, slug)`,
  `CREATE INDEX workflow_executions_workflow_instance_id ON workflow_executions (workflow_instance_id, id)`,
  `CREATE INDEX workflow_executions_workflow_id ON workflow_executions (workflow_id, id)`,
  `CREATE INDEX workflow_executions_phase ON workflow_executions (phase, id)`
]
