-- The cycle-time report's waitingOn at scale (R8 in docs/proving.md). Read from every case's spans, the split took
-- 15 s over 1,000,000 closed cases (3.8 million spans). It now splits the cycle the report times, that of the closed
-- cases, and a closed case's time waiting on each party is final when it closes: 0005's rollups keep it, per month
-- of opening, under two measures keyed by the party:
--   WAIT          the histogram of a case's total time waiting on the party (a case counts once per party it waited
--                 on), for the median and the 90th percentile, within 1 % as the other durations;
--   WAIT_SECONDS  the exact sum of those totals in whole seconds: bucket 0, n the seconds (each case's total rounded).
-- A span still open on a closed case counts to the case's closed_at. extract() answers numeric, so a total is the
-- same whichever order its spans are summed in, and the rollups agree with report_rollups_rebuild() exactly.

ALTER TABLE report_durations DROP CONSTRAINT report_durations_measure_check,
  ADD CONSTRAINT report_durations_measure_check
    CHECK (measure IN ('CYCLE_REASON', 'CYCLE_TEAM', 'TASK', 'STAGE', 'CYCLE_ROOT_CAUSE', 'WAIT', 'WAIT_SECONDS'));

-- One span's length, a span still open counting to `until`.
CREATE FUNCTION wait_seconds(started_at timestamptz, ended_at timestamptz, until timestamptz) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT extract(epoch FROM coalesce(ended_at, until) - started_at)
$$;

-- A case's total time waiting on a party counted in (p_delta 1) or out (−1) of its month's figures.
CREATE FUNCTION report_wait(p_month date, p_party text, p_seconds numeric, p_delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_duration_deltas (month, measure, key, bucket, n)
  VALUES (p_month, 'WAIT', p_party, duration_bucket(p_seconds::double precision), p_delta),
         (p_month, 'WAIT_SECONDS', p_party, 0, p_delta * round(p_seconds)::integer);
END $$;

-- A closed case's totals, one per party it waited on, counted in (p_delta 1) or out (−1).
CREATE FUNCTION report_case_waits(c cases, p_delta integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT w.party, sum(wait_seconds(w.started_at, w.ended_at, c.closed_at)) AS seconds
             FROM case_waits w WHERE w.case_id = c.id GROUP BY w.party LOOP
    PERFORM report_wait(report_month(c.opened_at), t.party, t.seconds, p_delta);
  END LOOP;
END $$;

-- A case counts while it is closed, with its spans up to its closed_at.
CREATE FUNCTION cases_report_waits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'CLOSED' THEN
    PERFORM report_case_waits(OLD, -1);
  END IF;
  IF NEW.status = 'CLOSED' THEN
    PERFORM report_case_waits(NEW, 1);
  END IF;
  RETURN NULL;
END $$;
-- A case is inserted before any span of it (case_waits refers to it): only updates move it.
CREATE TRIGGER cases_report_waits AFTER UPDATE OF status, closed_at ON cases
  FOR EACH ROW WHEN ((OLD.status = 'CLOSED' OR NEW.status = 'CLOSED')
                     AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at))
  EXECUTE FUNCTION cases_report_waits();

-- A span of a closed case that changes (the projection ends the last span in the transaction that closes the case,
-- after the case's own update) moves that party's total: out at what it was, in at what it is.
CREATE FUNCTION case_waits_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c cases;
  p text;
  after_seconds numeric;
  after_spans integer;
  before_seconds numeric;
  before_spans integer;
BEGIN
  SELECT * INTO c FROM cases WHERE id = coalesce(NEW.case_id, OLD.case_id);
  IF c.status IS DISTINCT FROM 'CLOSED' THEN
    RETURN NULL;
  END IF;
  FOR p IN SELECT DISTINCT x FROM unnest(ARRAY[OLD.party, NEW.party]) x WHERE x IS NOT NULL LOOP
    SELECT coalesce(sum(wait_seconds(w.started_at, w.ended_at, c.closed_at)), 0), count(*)
      INTO after_seconds, after_spans
      FROM case_waits w WHERE w.case_id = c.id AND w.party = p;
    before_seconds := after_seconds;
    before_spans := after_spans;
    IF NEW.party IS NOT DISTINCT FROM p THEN
      before_seconds := before_seconds - wait_seconds(NEW.started_at, NEW.ended_at, c.closed_at);
      before_spans := before_spans - 1;
    END IF;
    IF OLD.party IS NOT DISTINCT FROM p THEN
      before_seconds := before_seconds + wait_seconds(OLD.started_at, OLD.ended_at, c.closed_at);
      before_spans := before_spans + 1;
    END IF;
    CONTINUE WHEN before_spans = after_spans AND before_seconds = after_seconds;
    IF before_spans > 0 THEN
      PERFORM report_wait(report_month(c.opened_at), p, before_seconds, -1);
    END IF;
    IF after_spans > 0 THEN
      PERFORM report_wait(report_month(c.opened_at), p, after_seconds, 1);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
CREATE TRIGGER case_waits_report_rollup AFTER INSERT OR UPDATE OR DELETE ON case_waits
  FOR EACH ROW EXECUTE FUNCTION case_waits_report_rollup();

-- 0022's rebuild, then these measures (wrapped, as 0022 wrapped 0005's). Writers wait meanwhile.
ALTER FUNCTION report_rollups_rebuild() RENAME TO report_rollups_rebuild_0022;
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_rollups_rebuild_0022();
  LOCK TABLE case_waits IN SHARE MODE;
  WITH per_case AS (
    SELECT report_month(c.opened_at) AS month, w.party, sum(wait_seconds(w.started_at, w.ended_at, c.closed_at)) AS seconds
      FROM cases c JOIN case_waits w ON w.case_id = c.id
     WHERE c.status = 'CLOSED'
     GROUP BY c.id, 1, 2)
  INSERT INTO report_durations (month, measure, key, bucket, n)
  SELECT month, 'WAIT', party, duration_bucket(seconds::double precision), count(*) FROM per_case GROUP BY 1, 3, 4
  UNION ALL
  SELECT month, 'WAIT_SECONDS', party, 0, sum(round(seconds)) FROM per_case GROUP BY 1, 3;
  INSERT INTO report_durations_all (measure, key, bucket, n)
  SELECT measure, key, bucket, sum(n) FROM report_durations WHERE measure IN ('WAIT', 'WAIT_SECONDS') GROUP BY 1, 2, 3;
END $$;

SELECT report_rollups_rebuild();
