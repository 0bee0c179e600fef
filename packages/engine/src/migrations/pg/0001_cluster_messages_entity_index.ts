/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  "CREATE INDEX IF NOT EXISTS weft_cluster_messages_entity_idx ON cluster_messages (entity_id)"
]
