-- The overview's weekly flow at scale (R8 in docs/proving.md). Counted from the cases' indexes, the weeks' cases
-- opened, closed and cancelled took 98 ms at 1,000,000 closed cases, growing with the recent volume. They are now kept
-- per ISO week (Monday, UTC), as 0005 keeps its monthly figures: triggers append deltas in the transaction that
-- changes a case, report_rollups_compact() folds them, readers add what is not folded yet, and
-- report_rollups_rebuild() recomputes them. A case counts as opened in the week of its opened_at, and as closed or
-- cancelled in the week of its closed_at while it has that status.

CREATE FUNCTION report_week(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_trunc('week', at AT TIME ZONE 'UTC')::date
$$;

CREATE TABLE report_weekly_flow (
  week      date PRIMARY KEY,
  opened    bigint NOT NULL,
  closed    bigint NOT NULL,
  cancelled bigint NOT NULL
);
-- What changes append, not yet folded: no key, no index, as 0005's deltas.
CREATE TABLE report_weekly_flow_deltas (
  week      date NOT NULL,
  opened    integer NOT NULL,
  closed    integer NOT NULL,
  cancelled integer NOT NULL
);

-- A case's close or cancellation in the flow, counted in (p_delta 1) or out (−1); an open case has none.
CREATE FUNCTION report_flow_end(c cases, p_delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF c.closed_at IS NOT NULL AND c.status IN ('CLOSED', 'CANCELLED') THEN
    INSERT INTO report_weekly_flow_deltas (week, opened, closed, cancelled)
    VALUES (report_week(c.closed_at), 0, p_delta * (c.status = 'CLOSED')::integer, p_delta * (c.status = 'CANCELLED')::integer);
  END IF;
END $$;

-- Its opening counts once, moved only if opened_at is; a close appends one row, not a count out and in of the opening.
CREATE FUNCTION cases_report_flow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.opened_at IS DISTINCT FROM NEW.opened_at THEN
    IF TG_OP = 'UPDATE' THEN
      INSERT INTO report_weekly_flow_deltas (week, opened, closed, cancelled) VALUES (report_week(OLD.opened_at), -1, 0, 0);
    END IF;
    INSERT INTO report_weekly_flow_deltas (week, opened, closed, cancelled) VALUES (report_week(NEW.opened_at), 1, 0, 0);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    PERFORM report_flow_end(OLD, -1);
  END IF;
  PERFORM report_flow_end(NEW, 1);
  RETURN NULL;
END $$;
CREATE TRIGGER cases_report_flow_insert AFTER INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_report_flow();
CREATE TRIGGER cases_report_flow_update AFTER UPDATE OF status, opened_at, closed_at ON cases
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.opened_at IS DISTINCT FROM NEW.opened_at
                     OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
  EXECUTE FUNCTION cases_report_flow();

-- 0005's compaction, then the weekly deltas, under the same lock (a session may take it again).
ALTER FUNCTION report_rollups_compact() RENAME TO report_rollups_compact_0005;
CREATE FUNCTION report_rollups_compact() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('report_rollups_compact')) THEN
    RETURN;
  END IF;
  PERFORM report_rollups_compact_0005();
  WITH d AS (DELETE FROM report_weekly_flow_deltas RETURNING *)
  INSERT INTO report_weekly_flow AS r (week, opened, closed, cancelled)
  SELECT week, sum(opened), sum(closed), sum(cancelled) FROM d GROUP BY week
  ON CONFLICT (week)
  DO UPDATE SET opened = r.opened + EXCLUDED.opened, closed = r.closed + EXCLUDED.closed, cancelled = r.cancelled + EXCLUDED.cancelled;
END $$;

-- 0023's rebuild, then the weekly flow. Writers wait meanwhile.
ALTER FUNCTION report_rollups_rebuild() RENAME TO report_rollups_rebuild_0023;
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_rollups_rebuild_0023();
  DELETE FROM report_weekly_flow_deltas;
  DELETE FROM report_weekly_flow;
  INSERT INTO report_weekly_flow (week, opened, closed, cancelled)
  SELECT week, sum(opened), sum(closed), sum(cancelled)
    FROM (SELECT report_week(opened_at) AS week, 1 AS opened, 0 AS closed, 0 AS cancelled FROM cases
          UNION ALL
          SELECT report_week(closed_at), 0, (status = 'CLOSED')::integer, (status = 'CANCELLED')::integer
            FROM cases WHERE closed_at IS NOT NULL AND status IN ('CLOSED', 'CANCELLED')) x
   GROUP BY week;
END $$;

SELECT report_rollups_rebuild();

GRANT SELECT, INSERT, DELETE ON report_weekly_flow_deltas TO ar_dispute_app;
GRANT SELECT, INSERT, UPDATE ON report_weekly_flow TO ar_dispute_app;
