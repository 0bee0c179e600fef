/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise (`COLLATE "C"`), as in SQLite: keyset pages and slug ranges.
 */
export default [
  `CREATE TABLE workflow_instances (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    slug TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    workflow_id TEXT COLLATE "C"
  )`,
  `CREATE UNIQUE INDEX workflow_instances_org_slug ON workflow_instances (org, slug)`,
  `CREATE INDEX workflow_instances_workflow_id ON workflow_instances (workflow_id, id)`
]
