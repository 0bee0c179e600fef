/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Keys compare byte-wise, as in SQLite and the other kinds' tables, whatever the
 * database's collation: keyset pages (`id < …`) and slug ranges depend on it.
 */
export default [
  `ALTER TABLE environments
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN org TYPE TEXT COLLATE "C",
    ALTER COLUMN slug TYPE TEXT COLLATE "C"`
]
