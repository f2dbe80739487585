-- The cycle-time report's figures, kept pre-aggregated per UTC month of opening and over all months, so that a
-- report reads a few thousand rows instead of every case and every trail event (R5 in docs/proving.md: 1,000,000 closed
-- cases). Triggers append what a change of a case, a task or the trail adds or takes away to two delta tables, in
-- the transaction that makes the change, so the figures are exactly as committed as the rows they summarise.
-- Appending takes no lock a concurrent transaction waits for (counter rows shared by every case of a month would
-- serialise the projection's transactions); report_rollups_compact() folds the deltas into the rollups, and readers
-- add the deltas not yet folded. report_rollups_rebuild() recomputes everything from scratch.
--
-- Counts are exact. Durations are counted in log-scale buckets 1 % wide, so a percentile read from them is within
-- 1 % of the exact one (see histogram_percentile). A case is attributed to the month it was opened in; its
-- opened_at and reason_code are written once, with the case, and never change.

CREATE FUNCTION report_month(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date
$$;

-- Bucket 0 holds [0, 1) s (and any negative duration); bucket b ≥ 1 holds [1.01^(b−1), 1.01^b) s.
CREATE FUNCTION duration_bucket(seconds double precision) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN seconds < 1 THEN 0 ELSE floor(ln(seconds) / ln(1.01))::integer + 1 END
$$;

-- The p-quantile of the durations counted in a histogram (buckets ascending, one count each), interpolated as
-- percentile_cont interpolates (between the values of rank ⌊p·(N−1)⌋ and ⌈p·(N−1)⌉), the values of a bucket taken
-- as spread evenly across it. Every value lies in its bucket, so the answer is within one bucket width (1 %) of
-- percentile_cont over the values themselves. NULL for an empty histogram.
CREATE FUNCTION histogram_percentile(buckets integer[], counts bigint[], p double precision)
  RETURNS double precision LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  total bigint := 0;
  target double precision;
  lo_rank bigint;
  hi_rank bigint;
  lo_value double precision;
  hi_value double precision;
  seen bigint := 0;
  b_lo double precision;
  b_hi double precision;
BEGIN
  FOR i IN 1 .. coalesce(array_length(counts, 1), 0) LOOP
    total := total + greatest(counts[i], 0);
  END LOOP;
  IF total = 0 THEN
    RETURN NULL;
  END IF;
  target := p * (total - 1);
  lo_rank := floor(target);
  hi_rank := ceil(target);
  FOR i IN 1 .. array_length(counts, 1) LOOP
    CONTINUE WHEN counts[i] <= 0;
    b_lo := CASE WHEN buckets[i] = 0 THEN 0 ELSE power(1.01::double precision, buckets[i] - 1) END;
    b_hi := power(1.01::double precision, buckets[i]);
    IF lo_value IS NULL AND lo_rank < seen + counts[i] THEN
      lo_value := b_lo + (b_hi - b_lo) * (lo_rank - seen + 0.5) / counts[i];
    END IF;
    IF hi_rank < seen + counts[i] THEN
      hi_value := b_lo + (b_hi - b_lo) * (hi_rank - seen + 0.5) / counts[i];
      EXIT;
    END IF;
    seen := seen + counts[i];
  END LOOP;
  RETURN lo_value + (target - lo_rank) * (hi_value - lo_value);
END $$;

-- Cases opened in a month, by reason code (dimension REASON) or by a team they have a task for (TEAM), by status.
CREATE TABLE report_case_counts (
  month     date NOT NULL,
  dimension text NOT NULL CHECK (dimension IN ('REASON', 'TEAM')),
  key       text NOT NULL,
  open      bigint NOT NULL,
  closed    bigint NOT NULL,
  cancelled bigint NOT NULL,
  PRIMARY KEY (month, dimension, key)
);

-- Durations of cases opened in a month, in buckets: CYCLE_REASON (opened → closed, by reason code), CYCLE_TEAM (the
-- same, by a team the case has a task for), TASK (task created → done, by team), STAGE (a stage entered → the next
-- stage entered, by the stage).
CREATE TABLE report_durations (
  month   date NOT NULL,
  measure text NOT NULL CHECK (measure IN ('CYCLE_REASON', 'CYCLE_TEAM', 'TASK', 'STAGE')),
  key     text NOT NULL,
  bucket  integer NOT NULL,
  n       bigint NOT NULL,
  PRIMARY KEY (month, measure, key, bucket)
);

-- The same figures summed over every month: all that a report over the whole history (no period) reads.
CREATE TABLE report_case_counts_all (
  dimension text NOT NULL,
  key       text NOT NULL,
  open      bigint NOT NULL,
  closed    bigint NOT NULL,
  cancelled bigint NOT NULL,
  PRIMARY KEY (dimension, key)
);
CREATE TABLE report_durations_all (
  measure text NOT NULL,
  key     text NOT NULL,
  bucket  integer NOT NULL,
  n       bigint NOT NULL,
  PRIMARY KEY (measure, key, bucket)
);

-- What changes append, not yet folded into the tables above. No keys, no indexes: appending is all writers do.
CREATE TABLE report_case_count_deltas (
  month     date NOT NULL,
  dimension text NOT NULL,
  key       text NOT NULL,
  open      integer NOT NULL,
  closed    integer NOT NULL,
  cancelled integer NOT NULL
);
CREATE TABLE report_duration_deltas (
  month   date NOT NULL,
  measure text NOT NULL,
  key     text NOT NULL,
  bucket  integer NOT NULL,
  n       integer NOT NULL
);

-- A case counted under a key moves from status p_from to p_to (NULL: it arrives, or leaves). PL/pgSQL rather than
-- SQL functions: a session plans their statements once, not on every call.
CREATE FUNCTION report_count(p_month date, p_dimension text, p_key text, p_from text, p_to text)
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_case_count_deltas (month, dimension, key, open, closed, cancelled)
  VALUES (p_month, p_dimension, p_key,
          (p_to IS NOT DISTINCT FROM 'OPEN')::integer - (p_from IS NOT DISTINCT FROM 'OPEN')::integer,
          (p_to IS NOT DISTINCT FROM 'CLOSED')::integer - (p_from IS NOT DISTINCT FROM 'CLOSED')::integer,
          (p_to IS NOT DISTINCT FROM 'CANCELLED')::integer - (p_from IS NOT DISTINCT FROM 'CANCELLED')::integer);
END $$;

CREATE FUNCTION report_duration(p_month date, p_measure text, p_key text, p_seconds double precision, p_delta integer)
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_duration_deltas (month, measure, key, bucket, n)
  VALUES (p_month, p_measure, p_key, duration_bucket(p_seconds), p_delta);
END $$;

-- Folds the deltas committed so far into the rollups, atomically (a reader sees them on one side or the other).
-- One compaction at a time: a caller finding another at work returns at once, and readers meanwhile add the
-- deltas. Rows are locked only here, so writers never wait.
CREATE FUNCTION report_rollups_compact() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('report_rollups_compact')) THEN
    RETURN;
  END IF;
  WITH d AS (DELETE FROM report_case_count_deltas RETURNING *),
  by_month AS (
    INSERT INTO report_case_counts AS r (month, dimension, key, open, closed, cancelled)
    SELECT month, dimension, key, sum(open), sum(closed), sum(cancelled) FROM d GROUP BY 1, 2, 3
    ON CONFLICT (month, dimension, key)
    DO UPDATE SET open = r.open + EXCLUDED.open, closed = r.closed + EXCLUDED.closed, cancelled = r.cancelled + EXCLUDED.cancelled)
  INSERT INTO report_case_counts_all AS r (dimension, key, open, closed, cancelled)
  SELECT dimension, key, sum(open), sum(closed), sum(cancelled) FROM d GROUP BY 1, 2
  ON CONFLICT (dimension, key)
  DO UPDATE SET open = r.open + EXCLUDED.open, closed = r.closed + EXCLUDED.closed, cancelled = r.cancelled + EXCLUDED.cancelled;
  WITH d AS (DELETE FROM report_duration_deltas RETURNING *),
  by_month AS (
    INSERT INTO report_durations AS r (month, measure, key, bucket, n)
    SELECT month, measure, key, bucket, sum(n) FROM d GROUP BY 1, 2, 3, 4
    ON CONFLICT (month, measure, key, bucket) DO UPDATE SET n = r.n + EXCLUDED.n)
  INSERT INTO report_durations_all AS r (measure, key, bucket, n)
  SELECT measure, key, bucket, sum(n) FROM d GROUP BY 1, 2, 3
  ON CONFLICT (measure, key, bucket) DO UPDATE SET n = r.n + EXCLUDED.n;
END $$;

-- A case counts under its reason and under the team of each task it has; its cycle is timed once it is closed, a
-- task's own time once it is done. Triggers move a case and its tasks when they change.
CREATE FUNCTION report_cycle(c cases) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
  SELECT extract(epoch FROM c.closed_at - c.opened_at)
$$;

CREATE FUNCTION cases_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date := report_month(NEW.opened_at);
  old_status text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END;
  team text;
BEGIN
  PERFORM report_count(m, 'REASON', NEW.reason_code, old_status, NEW.status);
  IF old_status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_REASON', NEW.reason_code, report_cycle(OLD), -1);
  END IF;
  IF NEW.status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_REASON', NEW.reason_code, report_cycle(NEW), 1);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    FOR team IN SELECT t.team FROM tasks t WHERE t.case_id = NEW.id ORDER BY t.team LOOP
      PERFORM report_count(m, 'TEAM', team, old_status, NEW.status);
      IF old_status = 'CLOSED' THEN
        PERFORM report_duration(m, 'CYCLE_TEAM', team, report_cycle(OLD), -1);
      END IF;
      IF NEW.status = 'CLOSED' THEN
        PERFORM report_duration(m, 'CYCLE_TEAM', team, report_cycle(NEW), 1);
      END IF;
    END LOOP;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_report_rollup_insert AFTER INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_report_rollup();
CREATE TRIGGER cases_report_rollup_update AFTER UPDATE OF status, closed_at ON cases
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
  EXECUTE FUNCTION cases_report_rollup();

-- A task moving team takes its case from one team's figures to the other's; its own time counts while it is done.
CREATE FUNCTION tasks_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c cases;
  m date;
  moved boolean := TG_OP <> 'UPDATE' OR OLD.team IS DISTINCT FROM NEW.team;
BEGIN
  SELECT * INTO c FROM cases WHERE id = coalesce(NEW.case_id, OLD.case_id);
  m := report_month(c.opened_at);
  IF TG_OP <> 'INSERT' THEN
    IF moved THEN
      PERFORM report_count(m, 'TEAM', OLD.team, c.status, NULL);
      IF c.status = 'CLOSED' THEN
        PERFORM report_duration(m, 'CYCLE_TEAM', OLD.team, report_cycle(c), -1);
      END IF;
    END IF;
    IF OLD.status = 'DONE' THEN
      PERFORM report_duration(m, 'TASK', OLD.team, extract(epoch FROM OLD.completed_at - OLD.created_at), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF moved THEN
      PERFORM report_count(m, 'TEAM', NEW.team, NULL, c.status);
      IF c.status = 'CLOSED' THEN
        PERFORM report_duration(m, 'CYCLE_TEAM', NEW.team, report_cycle(c), 1);
      END IF;
    END IF;
    IF NEW.status = 'DONE' THEN
      PERFORM report_duration(m, 'TASK', NEW.team, extract(epoch FROM NEW.completed_at - NEW.created_at), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_report_rollup_insert_delete AFTER INSERT OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_report_rollup();
-- Only changes that move a figure: a task cancelled or escalated counts as before.
CREATE TRIGGER tasks_report_rollup_update AFTER UPDATE OF team, status, created_at, completed_at ON tasks
  FOR EACH ROW WHEN (OLD.team IS DISTINCT FROM NEW.team OR (OLD.status = 'DONE') IS DISTINCT FROM (NEW.status = 'DONE')
                     OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.completed_at IS DISTINCT FROM NEW.completed_at)
  EXECUTE FUNCTION tasks_report_rollup();

-- A stage lasts from its STAGE_ENTERED to the case's next STAGE_ENTERED (by seq). The trail is written in seq order,
-- so a new one ends the stage before it; one written between two others splits the time they bounded.
CREATE FUNCTION case_events_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date;
  prev case_events;
  next case_events;
BEGIN
  SELECT report_month(opened_at) INTO m FROM cases WHERE id = NEW.case_id;
  SELECT * INTO prev FROM case_events
   WHERE case_id = NEW.case_id AND seq < NEW.seq AND type = 'STAGE_ENTERED' ORDER BY seq DESC LIMIT 1;
  SELECT * INTO next FROM case_events
   WHERE case_id = NEW.case_id AND seq > NEW.seq AND type = 'STAGE_ENTERED' ORDER BY seq LIMIT 1;
  IF prev.id IS NOT NULL AND next.id IS NOT NULL THEN
    PERFORM report_duration(m, 'STAGE', prev.data->>'stage', extract(epoch FROM next.at - prev.at), -1);
  END IF;
  IF prev.id IS NOT NULL THEN
    PERFORM report_duration(m, 'STAGE', prev.data->>'stage', extract(epoch FROM NEW.at - prev.at), 1);
  END IF;
  IF next.id IS NOT NULL THEN
    PERFORM report_duration(m, 'STAGE', NEW.data->>'stage', extract(epoch FROM next.at - NEW.at), 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER case_events_report_rollup AFTER INSERT ON case_events
  FOR EACH ROW WHEN (NEW.type = 'STAGE_ENTERED') EXECUTE FUNCTION case_events_report_rollup();

-- Recomputes every figure from the cases, tasks and trail: after a bulk load made with the triggers off, or to
-- check the incremental figures. Writers wait meanwhile, so no change is counted twice or missed.
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE cases, tasks, case_events IN SHARE MODE;
  DELETE FROM report_case_count_deltas;
  DELETE FROM report_duration_deltas;
  DELETE FROM report_case_counts;
  DELETE FROM report_durations;
  DELETE FROM report_case_counts_all;
  DELETE FROM report_durations_all;
  INSERT INTO report_case_counts (month, dimension, key, open, closed, cancelled)
  SELECT report_month(opened_at), 'REASON', reason_code,
         count(*) FILTER (WHERE status = 'OPEN'), count(*) FILTER (WHERE status = 'CLOSED'), count(*) FILTER (WHERE status = 'CANCELLED')
    FROM cases GROUP BY 1, 3
  UNION ALL
  SELECT report_month(c.opened_at), 'TEAM', t.team,
         count(*) FILTER (WHERE c.status = 'OPEN'), count(*) FILTER (WHERE c.status = 'CLOSED'), count(*) FILTER (WHERE c.status = 'CANCELLED')
    FROM tasks t JOIN cases c ON c.id = t.case_id GROUP BY 1, 3;
  INSERT INTO report_durations (month, measure, key, bucket, n)
  SELECT report_month(opened_at), 'CYCLE_REASON', reason_code, duration_bucket(report_cycle(cases)), count(*)
    FROM cases WHERE status = 'CLOSED' GROUP BY 1, 3, 4
  UNION ALL
  SELECT report_month(c.opened_at), 'CYCLE_TEAM', t.team, duration_bucket(report_cycle(c)), count(*)
    FROM tasks t JOIN cases c ON c.id = t.case_id WHERE c.status = 'CLOSED' GROUP BY 1, 3, 4
  UNION ALL
  SELECT report_month(c.opened_at), 'TASK', t.team, duration_bucket(extract(epoch FROM t.completed_at - t.created_at)), count(*)
    FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.status = 'DONE' GROUP BY 1, 3, 4
  UNION ALL
  SELECT report_month(c.opened_at), 'STAGE', x.stage, duration_bucket(x.seconds), count(*)
    FROM (SELECT e.case_id, e.data->>'stage' AS stage,
                 extract(epoch FROM lead(e.at) OVER (PARTITION BY e.case_id ORDER BY e.seq) - e.at) AS seconds
            FROM case_events e WHERE e.type = 'STAGE_ENTERED') x
    JOIN cases c ON c.id = x.case_id
   WHERE x.seconds IS NOT NULL
   GROUP BY 1, 3, 4;
  INSERT INTO report_case_counts_all (dimension, key, open, closed, cancelled)
  SELECT dimension, key, sum(open), sum(closed), sum(cancelled) FROM report_case_counts GROUP BY 1, 2;
  INSERT INTO report_durations_all (measure, key, bucket, n)
  SELECT measure, key, bucket, sum(n) FROM report_durations GROUP BY 1, 2, 3;
END $$;

SELECT report_rollups_rebuild();

-- The aging part of the report reads open cases only.
CREATE INDEX cases_open_aging_idx ON cases (opened_at) INCLUDE (disputed_minor) WHERE status = 'OPEN';

-- Writers append deltas; the report compacts them.
GRANT SELECT, INSERT, DELETE ON report_case_count_deltas, report_duration_deltas TO ar_dispute_app;
GRANT SELECT, INSERT, UPDATE ON report_case_counts, report_durations, report_case_counts_all, report_durations_all TO ar_dispute_app;
