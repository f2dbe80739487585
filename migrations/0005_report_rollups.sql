-- The cycle-time report's figures, kept pre-aggregated per UTC month of opening and over all months, so that a
-- report reads a few thousand rows instead of every case and every trail event (QUALITY.md R5: 1,000,000 closed
-- cases). Triggers keep them current in the transaction that changes a case, a task or the trail, so they are
-- exactly as committed as the rows they summarise; report_rollups_rebuild() recomputes them from scratch.
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

-- Cases opened in a month, by reason code (dimension REASON) or by a team they have a task for (TEAM), and status.
CREATE TABLE report_case_counts (
  month     date NOT NULL,
  dimension text NOT NULL CHECK (dimension IN ('REASON', 'TEAM')),
  key       text NOT NULL,
  status    text NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (month, dimension, key, status)
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
  status    text NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (dimension, key, status)
);
CREATE TABLE report_durations_all (
  measure text NOT NULL,
  key     text NOT NULL,
  bucket  integer NOT NULL,
  n       bigint NOT NULL,
  PRIMARY KEY (measure, key, bucket)
);

CREATE FUNCTION report_count(p_month date, p_dimension text, p_key text, p_status text, p_delta integer)
  RETURNS void LANGUAGE sql AS $$
  INSERT INTO report_case_counts AS r (month, dimension, key, status, n) VALUES (p_month, p_dimension, p_key, p_status, p_delta)
  ON CONFLICT (month, dimension, key, status) DO UPDATE SET n = r.n + EXCLUDED.n;
  INSERT INTO report_case_counts_all AS r (dimension, key, status, n) VALUES (p_dimension, p_key, p_status, p_delta)
  ON CONFLICT (dimension, key, status) DO UPDATE SET n = r.n + EXCLUDED.n;
$$;

CREATE FUNCTION report_duration(p_month date, p_measure text, p_key text, p_seconds double precision, p_delta integer)
  RETURNS void LANGUAGE sql AS $$
  INSERT INTO report_durations AS r (month, measure, key, bucket, n)
  VALUES (p_month, p_measure, p_key, duration_bucket(p_seconds), p_delta)
  ON CONFLICT (month, measure, key, bucket) DO UPDATE SET n = r.n + EXCLUDED.n;
  INSERT INTO report_durations_all AS r (measure, key, bucket, n) VALUES (p_measure, p_key, duration_bucket(p_seconds), p_delta)
  ON CONFLICT (measure, key, bucket) DO UPDATE SET n = r.n + EXCLUDED.n;
$$;

-- What one (case, task) pair adds (p_sign 1) or takes away (−1): the case under the task's team, its cycle when
-- closed, and (p_task_time) the task's own time when done, which a change of the case alone leaves as it was.
CREATE FUNCTION report_case_task(c cases, t tasks, p_sign integer, p_task_time boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m date := report_month(c.opened_at);
BEGIN
  PERFORM report_count(m, 'TEAM', t.team, c.status, p_sign);
  IF c.status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_TEAM', t.team, extract(epoch FROM c.closed_at - c.opened_at), p_sign);
  END IF;
  IF p_task_time AND t.status = 'DONE' THEN
    PERFORM report_duration(m, 'TASK', t.team, extract(epoch FROM t.completed_at - t.created_at), p_sign);
  END IF;
END $$;

-- A new case counts under its reason; a status change (closing, cancelling) moves it and its tasks' teams.
-- The projection's transactions take the shared rows in one order (the stage rows as the trail's events are
-- inserted, then the case's reason rows, then its teams' rows by team name; a month's row before the all-months
-- one), so two that meet on a row wait for each other rather than deadlock.
CREATE FUNCTION cases_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date := report_month(NEW.opened_at);
  t tasks;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM report_count(m, 'REASON', OLD.reason_code, OLD.status, -1);
    IF OLD.status = 'CLOSED' THEN
      PERFORM report_duration(m, 'CYCLE_REASON', OLD.reason_code, extract(epoch FROM OLD.closed_at - OLD.opened_at), -1);
    END IF;
  END IF;
  PERFORM report_count(m, 'REASON', NEW.reason_code, NEW.status, 1);
  IF NEW.status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_REASON', NEW.reason_code, extract(epoch FROM NEW.closed_at - NEW.opened_at), 1);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    FOR t IN SELECT * FROM tasks WHERE case_id = NEW.id ORDER BY team LOOP
      PERFORM report_case_task(OLD, t, -1, false);
      PERFORM report_case_task(NEW, t, 1, false);
    END LOOP;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_report_rollup_insert AFTER INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_report_rollup();
CREATE TRIGGER cases_report_rollup_update AFTER UPDATE OF status, closed_at ON cases
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
  EXECUTE FUNCTION cases_report_rollup();

CREATE FUNCTION tasks_report_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c cases;
BEGIN
  SELECT * INTO c FROM cases WHERE id = coalesce(NEW.case_id, OLD.case_id);
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM report_case_task(c, OLD, -1, true);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM report_case_task(c, NEW, 1, true);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_report_rollup_insert_delete AFTER INSERT OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_report_rollup();
-- Only changes that move a figure: a task cancelled or escalated counts as before (and so takes no lock).
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
  DELETE FROM report_case_counts;
  DELETE FROM report_durations;
  DELETE FROM report_case_counts_all;
  DELETE FROM report_durations_all;
  INSERT INTO report_case_counts (month, dimension, key, status, n)
  SELECT report_month(opened_at), 'REASON', reason_code, status, count(*) FROM cases GROUP BY 1, 3, 4
  UNION ALL
  SELECT report_month(c.opened_at), 'TEAM', t.team, c.status, count(*) FROM tasks t JOIN cases c ON c.id = t.case_id GROUP BY 1, 3, 4;
  INSERT INTO report_durations (month, measure, key, bucket, n)
  SELECT report_month(opened_at), 'CYCLE_REASON', reason_code, duration_bucket(extract(epoch FROM closed_at - opened_at)), count(*)
    FROM cases WHERE status = 'CLOSED' GROUP BY 1, 3, 4
  UNION ALL
  SELECT report_month(c.opened_at), 'CYCLE_TEAM', t.team, duration_bucket(extract(epoch FROM c.closed_at - c.opened_at)), count(*)
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
  INSERT INTO report_case_counts_all (dimension, key, status, n)
  SELECT dimension, key, status, sum(n) FROM report_case_counts GROUP BY 1, 2, 3;
  INSERT INTO report_durations_all (measure, key, bucket, n)
  SELECT measure, key, bucket, sum(n) FROM report_durations GROUP BY 1, 2, 3;
END $$;

SELECT report_rollups_rebuild();

-- The aging part of the report reads open cases only.
CREATE INDEX cases_open_aging_idx ON cases (opened_at) INCLUDE (disputed_minor) WHERE status = 'OPEN';

GRANT SELECT, INSERT, UPDATE ON report_case_counts, report_durations, report_case_counts_all, report_durations_all TO ar_dispute_app;
