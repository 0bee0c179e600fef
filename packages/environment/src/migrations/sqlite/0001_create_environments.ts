/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE environments (
    id TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
  )`,
  `CREATE UNIQUE INDEX environments_org_slug ON environments (org, slug)`
]
