/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * (Numbered after PostgreSQL's 0002, which SQLite does not need, so that one id names
 * the same change on both.)
 */
export default [
  `CREATE TABLE environments_labels (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, id)
  ) WITHOUT ROWID`,
  `CREATE INDEX environments_labels_id ON environments_labels (id, key)`,
  `INSERT INTO environments_labels (id, key, value)
    SELECT r.id, l.key, l.value FROM environments r, json_each(r.doc, '$.metadata.labels') l`
]
