/** Frozen: databases have been migrated with it. Change the schema with a new migration. */
export default [
  `CREATE TABLE engine_waits (
    run_id TEXT COLLATE "C" NOT NULL,
    waiter TEXT COLLATE "C" NOT NULL,
    deferred TEXT NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, waiter)
  )`,
  `CREATE INDEX engine_waits_subject ON engine_waits (subject)`
]
