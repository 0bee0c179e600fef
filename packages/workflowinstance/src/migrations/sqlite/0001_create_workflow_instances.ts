/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_instances (
    id TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    workflow_id TEXT
  )`,
  `CREATE UNIQUE INDEX workflow_instances_org_slug ON workflow_instances (org, slug)`,
  `CREATE INDEX workflow_instances_workflow_id ON workflow_instances (workflow_id, id)`
]
