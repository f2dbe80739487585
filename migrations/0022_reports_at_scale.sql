-- The reports at scale (issue 12, R8 in docs/proving.md: every report over 1,000,000 closed cases).
--
-- The cycle-time report by root cause (GET /api/reports/cycle-time?groupBy=rootCause): the closed cases'
-- cycles in 0005's rollups under a third measure, CYCLE_ROOT_CAUSE, keyed by the root cause of the case's resolution,
-- so that grouping a million closed cases by it reads the rollups, not the cases and their resolutions.
--
-- A case's root cause is that of its last resolution (by proposed_at): a rejected proposal is followed by another,
-- and the one that closed the case is the last. A root cause stored before the codes (v1's free text) counts as
-- OTHER, as the contract says; so would a closed case without a resolution, which the workflow never makes.

ALTER TABLE report_durations DROP CONSTRAINT report_durations_measure_check,
  ADD CONSTRAINT report_durations_measure_check
    CHECK (measure IN ('CYCLE_REASON', 'CYCLE_TEAM', 'TASK', 'STAGE', 'CYCLE_ROOT_CAUSE'));

-- The codes of domain/types.ts ROOT_CAUSES.
CREATE FUNCTION root_cause_code(root_cause text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN root_cause IN ('ORDER_ENTRY', 'PRICING_SETUP', 'CONTRACT_SETUP', 'SERVICE_EXECUTION', 'DELIVERY',
                                  'BILLING_OUTPUT', 'DUPLICATE_BILLING', 'CUSTOMER_ERROR') THEN root_cause
              ELSE 'OTHER' END
$$;

CREATE FUNCTION case_root_cause(p_case_id uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT root_cause_code((SELECT r.root_cause FROM resolutions r WHERE r.case_id = p_case_id
                           ORDER BY r.proposed_at DESC, r.id DESC LIMIT 1))
$$;

-- A case counts under its root cause while it is closed: its own trigger, beside 0005's, so that each reads alone.
CREATE FUNCTION cases_report_root_cause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date := report_month(NEW.opened_at);
  root_cause text := case_root_cause(NEW.id);
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_ROOT_CAUSE', root_cause, report_cycle(OLD), -1);
  END IF;
  IF NEW.status = 'CLOSED' THEN
    PERFORM report_duration(m, 'CYCLE_ROOT_CAUSE', root_cause, report_cycle(NEW), 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_report_root_cause_insert AFTER INSERT ON cases
  FOR EACH ROW WHEN (NEW.status = 'CLOSED') EXECUTE FUNCTION cases_report_root_cause();
CREATE TRIGGER cases_report_root_cause_update AFTER UPDATE OF status, closed_at ON cases
  FOR EACH ROW WHEN ((OLD.status = 'CLOSED' OR NEW.status = 'CLOSED')
                     AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at))
  EXECUTE FUNCTION cases_report_root_cause();

-- A resolution recorded for a case already closed (a trail projected again out of order) moves the case's cycle to
-- the new last root cause; resolutions are never updated or deleted.
CREATE FUNCTION resolutions_report_root_cause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c cases;
  before text;
  after text;
BEGIN
  SELECT * INTO c FROM cases WHERE id = NEW.case_id;
  IF c.status IS DISTINCT FROM 'CLOSED' THEN
    RETURN NULL;
  END IF;
  before := root_cause_code((SELECT r.root_cause FROM resolutions r WHERE r.case_id = NEW.case_id AND r.id <> NEW.id
                              ORDER BY r.proposed_at DESC, r.id DESC LIMIT 1));
  after := case_root_cause(NEW.case_id);
  IF before <> after THEN
    PERFORM report_duration(report_month(c.opened_at), 'CYCLE_ROOT_CAUSE', before, report_cycle(c), -1);
    PERFORM report_duration(report_month(c.opened_at), 'CYCLE_ROOT_CAUSE', after, report_cycle(c), 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER resolutions_report_root_cause AFTER INSERT ON resolutions
  FOR EACH ROW EXECUTE FUNCTION resolutions_report_root_cause();

-- 0005's rebuild, then this measure: wrapped rather than rewritten, so that each part of the report keeps its own
-- rebuild. Writers wait meanwhile, as they do for 0005's.
ALTER FUNCTION report_rollups_rebuild() RENAME TO report_rollups_rebuild_0005;
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_rollups_rebuild_0005();
  LOCK TABLE resolutions IN SHARE MODE;
  INSERT INTO report_durations (month, measure, key, bucket, n)
  SELECT report_month(c.opened_at), 'CYCLE_ROOT_CAUSE', root_cause_code(r.root_cause), duration_bucket(report_cycle(c)), count(*)
    FROM cases c
    LEFT JOIN (SELECT DISTINCT ON (case_id) case_id, root_cause FROM resolutions ORDER BY case_id, proposed_at DESC, id DESC) r
      ON r.case_id = c.id
   WHERE c.status = 'CLOSED'
   GROUP BY 1, 3, 4;
  INSERT INTO report_durations_all (measure, key, bucket, n)
  SELECT measure, key, bucket, sum(n) FROM report_durations WHERE measure = 'CYCLE_ROOT_CAUSE' GROUP BY 1, 2, 3;
END $$;

SELECT report_rollups_rebuild();

-- The overview's weekly flow counts the cases closed or cancelled since a week: without this it read every case.
CREATE INDEX cases_closed_idx ON cases (closed_at) INCLUDE (status) WHERE closed_at IS NOT NULL;
-- Its open cases by stage and age, from the index alone (0005's aging index has no stage).
CREATE INDEX cases_open_stage_idx ON cases (stage, opened_at) INCLUDE (disputed_minor) WHERE status = 'OPEN';
