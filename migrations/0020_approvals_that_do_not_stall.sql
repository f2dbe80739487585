-- Approvals that do not stall (issue 12): limits per currency bind approvals only, a delegate decides for an absent
-- manager, each decision names the policy it was made under, an escalated approval is offered to the managers who
-- may approve it, and an overdue task goes to its team's lead.

-- ---------------------------------------------------------------- policy versions
-- What a decision was made under: the limit applied (currency, amount, whose), the SLAs and the routing version.
-- Content-addressed: the same policy is one row, whoever decides under it.
CREATE TABLE policy_versions (
  version    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  policy     jsonb NOT NULL,
  hash       text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- approvals
-- A manager over the limit may still reject; approver_limit_minor is the limit applied, in the case's currency.
ALTER TABLE approvals
  DROP CONSTRAINT within_approver_limit,
  ADD CONSTRAINT within_approver_limit CHECK (decision = 'REJECT' OR approver_limit_minor IS NULL OR amount_minor <= approver_limit_minor),
  ADD COLUMN on_behalf_of uuid REFERENCES users (id),
  ADD COLUMN policy_version integer REFERENCES policy_versions (version);

-- Segregation of duties binds the absent manager too, who must be a manager who delegated to the decider then.
CREATE FUNCTION approvals_check_on_behalf() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.on_behalf_of IS NULL THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM resolutions r WHERE r.id = NEW.resolution_id AND r.proposed_by = NEW.on_behalf_of) THEN
    RAISE EXCEPTION 'the proposer of resolution % cannot be decided for', NEW.resolution_id USING ERRCODE = 'check_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.on_behalf_of AND u.role = 'manager') THEN
    RAISE EXCEPTION 'only a manager''s authority can be decided under' USING ERRCODE = 'check_violation';
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM delegations d
     WHERE d.manager_id = NEW.on_behalf_of AND d.delegate_id = NEW.decided_by
       AND d.starts_at <= NEW.decided_at AND NEW.decided_at < d.ends_at
  ) THEN
    RAISE EXCEPTION 'no delegation from % to % runs at %', NEW.on_behalf_of, NEW.decided_by, NEW.decided_at
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER approvals_on_behalf BEFORE INSERT OR UPDATE ON approvals
  FOR EACH ROW EXECUTE FUNCTION approvals_check_on_behalf();

-- The ledger posts an approved document only when neither the approver nor whoever they decided for proposed it.
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
       AND a.on_behalf_of IS DISTINCT FROM r.proposed_by
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

-- ---------------------------------------------------------------- escalation
-- An escalated approval is offered to the managers its APPROVAL_ESCALATED names: they see it "offered to you".
CREATE TABLE approval_offers (
  resolution_id uuid NOT NULL REFERENCES resolutions (id),
  user_id       uuid NOT NULL REFERENCES users (id),
  case_id       uuid NOT NULL REFERENCES cases (id),
  offered_at    timestamptz NOT NULL,
  PRIMARY KEY (resolution_id, user_id)
);
CREATE INDEX approval_offers_by_user ON approval_offers (user_id, case_id);

-- An overdue task goes to its team's lead.
ALTER TABLE tasks ADD COLUMN assignee_id uuid REFERENCES users (id);
CREATE INDEX tasks_by_assignee ON tasks (assignee_id) WHERE assignee_id IS NOT NULL;

GRANT SELECT, INSERT ON policy_versions, approval_offers TO ar_dispute_app;
