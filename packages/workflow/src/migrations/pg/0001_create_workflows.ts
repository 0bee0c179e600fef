/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise (`COLLATE "C"`), as in SQLite: keyset pages and slug ranges.
 */
export default [
  `CREATE TABLE workflows (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    slug TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
  )`,
  `CREATE UNIQUE INDEX workflows_org_slug ON workflows (org, slug)`
]
