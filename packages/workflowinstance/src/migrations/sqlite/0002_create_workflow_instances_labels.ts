/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_instances_labels (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, id)
  ) WITHOUT ROWID`,
  `CREATE INDEX workflow_instances_labels_id ON workflow_instances_labels (id, key)`,
  `INSERT INTO workflow_instances_labels (id, key, value)
    SELECT r.id, l.key, l.value FROM workflow_instances r, json_each(r.doc, '$.metadata.labels') l`
]
