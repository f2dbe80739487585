-- Outcomes that count (issue 10): a task's completion confirms, refutes or partly confirms each of its findings, and
-- the recommendations are computed from what was confirmed. A finding gets an id clients can name, and the amount
-- its task confirmed (null until the task is done; never more than the finding's amount, whoever writes it).
ALTER TABLE findings ADD COLUMN id uuid;
UPDATE findings SET id = gen_random_uuid();
ALTER TABLE findings
  ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ALTER COLUMN id SET NOT NULL,
  ADD CONSTRAINT findings_id_key UNIQUE (id),
  ADD COLUMN confirmed_minor bigint,
  ADD CONSTRAINT findings_confirmed_within_amount CHECK (confirmed_minor BETWEEN 0 AND amount_minor);

-- A task's findings are those of its case with its team: the completion's projection updates them by that key.
CREATE INDEX findings_case_team_idx ON findings (case_id, team);

ALTER TABLE tasks DROP CONSTRAINT tasks_outcome_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_outcome_check CHECK (outcome IN ('CONFIRMED', 'NOT_CONFIRMED', 'PARTIAL'));

-- Findings stay written once, but for the confirmed amount.
GRANT UPDATE (confirmed_minor) ON findings TO ar_dispute_app;
