/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise (`COLLATE "C"`), as in SQLite.
 */
export default [
  `CREATE TABLE environments_labels (
    id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key, value, id)
  )`,
  `CREATE INDEX environments_labels_id ON environments_labels (id, key)`,
  `INSERT INTO environments_labels (id, key, value)
    SELECT r.id, l.key, l.value FROM environments r, jsonb_each_text(r.doc::jsonb -> 'metadata' -> 'labels') l`
]
