-- Reason mappings (issue 11): per customer, its own deduction codes mapped to our reason codes. Versioned and
-- append-only: each PUT is a new version, so that a deduction can name the version its reason was mapped by.
CREATE TABLE reason_mappings (
  customer_id text NOT NULL REFERENCES customers (id),
  version     integer NOT NULL CHECK (version > 0),
  -- [{code, reasonCode}], as the API took it (contract/payments.ts checks it).
  mappings    jsonb NOT NULL CHECK (jsonb_typeof(mappings) = 'array'),
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, version)
);

CREATE TRIGGER reason_mappings_append_only BEFORE UPDATE OR DELETE ON reason_mappings
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER reason_mappings_no_truncate BEFORE TRUNCATE ON reason_mappings
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The mapping a deduction's reason came from; null when its customer had none (the reason is then OTHER).
ALTER TABLE deductions ADD COLUMN mapping_version integer;

-- A mapping's PUT has no case either: its key keeps the answer, as the money commands' do.
ALTER TABLE idempotency_keys DROP CONSTRAINT only_money_commands_lack_a_case;
ALTER TABLE idempotency_keys
  ADD CONSTRAINT only_money_commands_lack_a_case
    CHECK (case_id IS NOT NULL OR command IN ('payments', 'apply-unapplied', 'reason-mappings'));

GRANT SELECT, INSERT ON reason_mappings TO ar_dispute_app;
