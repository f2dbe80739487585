-- Deduction cases (issue 11): the actor `system` that opens a case for a deduction, write-offs by rule below the
-- optional AUTO_WRITE_OFF_MAX, and a deduction's clearing when its case closes.

-- ---------------------------------------------------------------- the system actor
-- Opens the cases deductions start. It never signs in: its token is a hash of nothing anyone holds, revoked at once.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
  CHECK (role IN ('admin', 'specialist', 'ops', 'manager', 'auditor', 'cash', 'system'));
INSERT INTO users (id, name, role, token_hash, revoked_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'system', 'system', sha256(convert_to(gen_random_uuid()::text, 'UTF8')), now());
CREATE UNIQUE INDEX users_one_system_actor ON users (role) WHERE role = 'system';

-- ---------------------------------------------------------------- write-off rules
-- Each AUTO_WRITE_OFF_MAX the service started with, in order: a rule write-off names the version it was made under.
CREATE TABLE write_off_rules (
  version    integer PRIMARY KEY CHECK (version > 0),
  -- Deductions strictly below it are written off; null: the rule is off.
  max_minor  bigint CHECK (max_minor > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER write_off_rules_append_only BEFORE UPDATE OR DELETE ON write_off_rules
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER write_off_rules_no_truncate BEFORE TRUNCATE ON write_off_rules
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A rule write-off has no case and no approval: it names its rule and the deduction it writes off, and only a
-- WRITE_OFF within the rule, of the deduction's whole amount on its invoice, may take that path.
ALTER TABLE adjustments ALTER COLUMN case_id DROP NOT NULL, ALTER COLUMN approval_id DROP NOT NULL,
  ADD COLUMN rule_version integer REFERENCES write_off_rules (version),
  ADD COLUMN deduction_id uuid UNIQUE REFERENCES deductions (id),
  ADD CONSTRAINT approved_or_by_rule CHECK (
    (approval_id IS NOT NULL AND case_id IS NOT NULL AND rule_version IS NULL AND deduction_id IS NULL)
    OR (approval_id IS NULL AND case_id IS NULL AND rule_version IS NOT NULL AND deduction_id IS NOT NULL AND kind = 'WRITE_OFF'));

CREATE OR REPLACE FUNCTION adjustments_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.rule_version IS NOT NULL THEN
    IF NOT EXISTS (
      SELECT 1 FROM write_off_rules w, deductions d
       WHERE w.version = NEW.rule_version AND d.id = NEW.deduction_id
         AND NEW.amount_minor < w.max_minor AND d.amount_minor = NEW.amount_minor AND d.invoice_number = NEW.invoice_number
    ) THEN
      RAISE EXCEPTION 'write-off % is not within rule % for its deduction', NEW.number, NEW.rule_version
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NOT EXISTS (
    SELECT 1 FROM approvals a JOIN resolutions r ON r.id = a.resolution_id JOIN users u ON u.id = a.decided_by
     WHERE a.id = NEW.approval_id AND a.case_id = NEW.case_id AND a.decision = 'APPROVE'
       AND a.decided_by <> r.proposed_by AND u.role = 'manager'
  ) THEN
    RAISE EXCEPTION 'adjustment % has no approval of its case by a manager other than the proposer', NEW.number
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE invoices
     SET credited_minor = credited_minor + CASE WHEN NEW.kind = 'CREDIT' THEN NEW.amount_minor ELSE 0 END,
         debited_minor = debited_minor + CASE WHEN NEW.kind = 'DEBIT' THEN NEW.amount_minor ELSE 0 END,
         written_off_minor = written_off_minor + CASE WHEN NEW.kind = 'WRITE_OFF' THEN NEW.amount_minor ELSE 0 END,
         updated_at = now()
   WHERE number = NEW.invoice_number;
  RETURN NEW;
END $$;

-- At commit: a document's lines add up to it, and an approval's documents to the amount approved.
CREATE OR REPLACE FUNCTION adjustments_check_whole() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lines bigint;
  issued bigint;
  approved bigint;
BEGIN
  SELECT coalesce(sum(amount_minor), 0) INTO lines FROM adjustment_lines WHERE adjustment_number = NEW.number;
  IF lines <> NEW.amount_minor THEN
    RAISE EXCEPTION 'adjustment % is % but its lines add up to %', NEW.number, NEW.amount_minor, lines
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.approval_id IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT sum(amount_minor) INTO issued FROM adjustments WHERE approval_id = NEW.approval_id;
  SELECT amount_minor INTO approved FROM approvals WHERE id = NEW.approval_id;
  IF issued <> approved THEN
    RAISE EXCEPTION 'approval % approved % but its documents add up to %', NEW.approval_id, approved, issued
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- a deduction's end
-- How much of it its case's credits and write-offs (or the rule's write-off) cleared, and when it was resolved.
ALTER TABLE deductions
  ADD COLUMN cleared_minor bigint NOT NULL DEFAULT 0 CHECK (cleared_minor >= 0),
  ADD COLUMN resolved_at timestamptz,
  ADD CONSTRAINT cleared_within_amount CHECK (cleared_minor <= amount_minor),
  ADD CONSTRAINT status_says_what_was_cleared CHECK (
    CASE status
      WHEN 'OPEN' THEN cleared_minor = 0 AND resolved_at IS NULL
      WHEN 'CLEARED' THEN cleared_minor = amount_minor AND resolved_at IS NOT NULL
      WHEN 'PARTIAL' THEN cleared_minor > 0 AND cleared_minor < amount_minor AND resolved_at IS NOT NULL
      ELSE cleared_minor = 0 AND resolved_at IS NOT NULL
    END);
CREATE INDEX deductions_resolved_idx ON deductions (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX deductions_open_idx ON deductions (created_at) WHERE status = 'OPEN';
CREATE INDEX deductions_case_idx ON deductions (case_id) WHERE case_id IS NOT NULL;

-- Written once, except: its reason and case set once from null, and its end (status, what was cleared, when) once
-- from OPEN.
CREATE OR REPLACE FUNCTION deductions_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'status' - 'case_id' - 'reason_code' - 'cleared_minor' - 'resolved_at')
       = (to_jsonb(OLD) - 'status' - 'case_id' - 'reason_code' - 'cleared_minor' - 'resolved_at')
     AND ((NEW.status, NEW.cleared_minor, NEW.resolved_at) IS NOT DISTINCT FROM (OLD.status, OLD.cleared_minor, OLD.resolved_at)
          OR OLD.status = 'OPEN')
     AND (NEW.case_id IS NOT DISTINCT FROM OLD.case_id OR OLD.case_id IS NULL)
     AND (NEW.reason_code IS NOT DISTINCT FROM OLD.reason_code OR OLD.reason_code IS NULL) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'deductions is append-only (its end is set once from OPEN, case and reason once): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

GRANT SELECT, INSERT ON write_off_rules TO ar_dispute_app;
GRANT UPDATE (status, case_id, cleared_minor, resolved_at) ON deductions TO ar_dispute_app;
-- A posting's answer gains the cases its deductions opened once they are open, after its transaction.
GRANT UPDATE (answer) ON idempotency_keys TO ar_dispute_app;
