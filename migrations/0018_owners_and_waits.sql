-- Owners and waits (issue 12): who owns a case, and whom an open case waits on, span by span.

-- The case's owner (its opener, the owner rules' specialist for a case the system opened, or whom it was assigned);
-- what the case waits on now (domain/types.ts: a team, SPECIALIST, APPROVER or CUSTOMER; NULL once closed); and the
-- owner's wait on the customer while it lasts.
ALTER TABLE cases
  ADD COLUMN owner_id uuid REFERENCES users (id),
  ADD COLUMN waiting_on text,
  ADD COLUMN customer_wait_reason text,
  ADD COLUMN customer_wait_until timestamptz,
  ADD COLUMN customer_wait_since timestamptz;
CREATE INDEX cases_owner_opened_idx ON cases (owner_id, opened_at DESC, id) WHERE owner_id IS NOT NULL;

-- One row per span a case waited on one party; at most one span open per case.
CREATE TABLE case_waits (
  case_id    uuid NOT NULL REFERENCES cases (id),
  party      text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at   timestamptz,
  CONSTRAINT case_wait_ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX case_waits_one_open ON case_waits (case_id) WHERE ended_at IS NULL;
-- The cycle-time report reads the spans of its period's cases (found by opened_at) without touching the table.
CREATE INDEX case_waits_by_case ON case_waits (case_id) INCLUDE (party, started_at, ended_at);

-- Whom a case waits on, from its row and its tasks: the one rule, for the projection and the backfill below.
CREATE FUNCTION case_waiting_on(case_id uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
           WHEN c.status <> 'OPEN' THEN NULL
           WHEN c.customer_wait_since IS NOT NULL THEN 'CUSTOMER'
           WHEN c.parked_error IS NOT NULL THEN 'SPECIALIST'
           WHEN c.stage = 'INVESTIGATION' THEN coalesce(
             (SELECT t.team FROM tasks t WHERE t.case_id = c.id AND t.status = 'OPEN' ORDER BY t.due_at, t.team LIMIT 1), 'SPECIALIST')
           WHEN c.stage IN ('APPROVAL', 'CREDIT_MEMO') THEN 'APPROVER'
           ELSE 'SPECIALIST'
         END
    FROM cases c WHERE c.id = case_waiting_on.case_id
$$;

-- The cases before owners: their opener owns them (nobody the ones the system opened).
UPDATE cases SET owner_id = opened_by WHERE opened_by <> '00000000-0000-0000-0000-000000000001';
-- The open ones wait on someone since their stage began.
UPDATE cases SET waiting_on = case_waiting_on(id) WHERE status = 'OPEN';
INSERT INTO case_waits (case_id, party, started_at)
SELECT id, waiting_on, stage_entered_at FROM cases WHERE status = 'OPEN' AND waiting_on IS NOT NULL;

GRANT SELECT, INSERT, UPDATE ON case_waits TO ar_dispute_app;
