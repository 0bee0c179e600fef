/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE workflow_executions_labels (
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, value, id)
  ) WITHOUT ROWID`,
  `CREATE INDEX workflow_executions_labels_id ON workflow_executions_labels (id, key)`,
  `INSERT INTO workflow_executions_labels (id, key, value)
    SELECT r.id, l.key, l.value FROM workflow_executions r, json_each(r.doc, '$.metadata.labels') l`
]
