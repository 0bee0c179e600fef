/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflows_labels (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, id)
  ) WITHOUT ROWID`,
  `CREATE INDEX workflows_labels_id ON workflows_labels (id, key)`,
  `INSERT INTO workflows_labels (id, key, value)
    SELECT r.id, l.key, l.value FROM workflows r, json_each(r.doc, '$.metadata.labels') l`
]
