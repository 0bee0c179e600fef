/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Executions by phase, kept up to date so that `/metrics` reads a handful of rows rather
 * than counting the table: triggers append +1/-1 rows on every insert, delete and phase
 * change (appends never contend for a row), and `PhaseCounts.fold` sums them back into
 * one row per phase. A phase's count is the sum of its rows.
 */
export default [
  `CREATE TABLE workflow_execution_phase_counts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    phase TEXT NOT NULL,
    n INTEGER NOT NULL
  )`,
  `INSERT INTO workflow_execution_phase_counts (phase, n)
    SELECT COALESCE(phase, ''), COUNT(*) FROM workflow_executions GROUP BY phase`,
  `CREATE TRIGGER workflow_executions_phase_insert AFTER INSERT ON workflow_executions BEGIN
    INSERT INTO workflow_execution_phase_counts (phase, n) VALUES (COALESCE(NEW.phase, ''), 1);
  END`,
  `CREATE TRIGGER workflow_executions_phase_delete AFTER DELETE ON workflow_executions BEGIN
    INSERT INTO workflow_execution_phase_counts (phase, n) VALUES (COALESCE(OLD.phase, ''), -1);
  END`,
  `CREATE TRIGGER workflow_executions_phase_update AFTER UPDATE OF phase ON workflow_executions
    WHEN OLD.phase IS NOT NEW.phase BEGIN
    INSERT INTO workflow_execution_phase_counts (phase, n) VALUES (COALESCE(OLD.phase, ''), -1), (COALESCE(NEW.phase, ''), 1);
  END`
]
