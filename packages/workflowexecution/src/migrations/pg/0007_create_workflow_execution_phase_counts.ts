/**
 * Frozen: databases have been migrated with it. Change the schema with a new migration.
 * Executions by phase, kept up to date so that `/metrics` reads a handful of rows rather
 * than counting the table: a trigger appends +1/-1 rows on every insert, delete and phase
 * change (appends never contend for a row, so concurrent writers never wait for each
 * other here), and `PhaseCounts.fold` sums them back into one row per phase. A phase's
 * count is the sum of its rows.
 */
export default [
  `CREATE TABLE workflow_execution_phase_counts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phase TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL
  )`,
  `INSERT INTO workflow_execution_phase_counts (phase, n)
    SELECT COALESCE(phase, ''), COUNT(*) FROM workflow_executions GROUP BY phase`,
  `CREATE FUNCTION workflow_executions_count_phase() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.phase IS NOT DISTINCT FROM NEW.phase THEN
      RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      INSERT INTO workflow_execution_phase_counts (phase, n) VALUES (COALESCE(OLD.phase, ''), -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      INSERT INTO workflow_execution_phase_counts (phase, n) VALUES (COALESCE(NEW.phase, ''), 1);
    END IF;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER workflow_executions_count_phase AFTER INSERT OR DELETE OR UPDATE OF phase ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION workflow_executions_count_phase()`
]
