-- An opening with an Idempotency-Key is reserved under the key (case id, number, workflow id, time) before its
-- workflow starts, and the case row is written after the start. A retry after a failure that left the API unsure
-- whether the workflow started (a start answered too late, the database lost just after it) then starts the same
-- workflow again, which Temporal refuses as a duplicate, instead of opening a second case for one request. So the
-- key no longer points at a case row that must exist: its case row may be written a moment later.
ALTER TABLE idempotency_keys
  ADD COLUMN case_number text,
  ADD COLUMN workflow_id text,
  ADD COLUMN opened_at   timestamptz;

UPDATE idempotency_keys k
   SET case_number = c.case_number, workflow_id = c.workflow_id, opened_at = c.opened_at
  FROM cases c WHERE c.id = k.case_id;

ALTER TABLE idempotency_keys
  ALTER COLUMN case_number SET NOT NULL,
  ALTER COLUMN workflow_id SET NOT NULL,
  ALTER COLUMN opened_at SET NOT NULL,
  DROP CONSTRAINT idempotency_keys_case_id_fkey;
