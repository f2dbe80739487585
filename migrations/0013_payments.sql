-- Money in (issue 11): payments, what of them is applied to invoices, what is left unapplied, and the deductions the
-- customer took. An invoice's paid figure is its applications', kept by a trigger and checked at commit whoever
-- writes, as 0009 does for its documents; what is left of a payment is unapplied cash, never negative.

-- ---------------------------------------------------------------- the cash role
-- Reads invoices, posts and applies payments; nothing else (the route table holds the rest).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
  CHECK (role IN ('admin', 'specialist', 'ops', 'manager', 'auditor', 'cash'));

-- Payment commands have no case: their keys name none, and keep the answer they gave (a retry gets it again; posting
-- the payments again would answer zero counts, what that call newly did).
ALTER TABLE idempotency_keys ALTER COLUMN case_id DROP NOT NULL, ADD COLUMN answer jsonb;
ALTER TABLE idempotency_keys
  ADD CONSTRAINT only_money_commands_lack_a_case CHECK (case_id IS NOT NULL OR command IN ('payments', 'apply-unapplied'));

-- ---------------------------------------------------------------- invoice numbers as remittances spell them
-- domain/matching.ts normaliseInvoiceNumber, the same steps: ASCII letters upper case (not upper(), whose mappings
-- depend on the collation and differ from JavaScript's: ß, ﬁ), no separators, no INV/INVOICE/No. prefix, no leading
-- zeros (test/integration/invoice-number-key.test.ts holds the two together). Indexed, so that a payment's candidate invoices are found without a scan.
CREATE FUNCTION invoice_number_key(number text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(CASE WHEN bare = '' THEN compact ELSE bare END, '^0+(?=.)', '')
    FROM (SELECT compact, regexp_replace(compact, '^(INVOICE|INV)(NO|NR)?', '') AS bare
            FROM (SELECT regexp_replace(translate(number, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
                                        '[^A-Z0-9]', '', 'g') AS compact) c) b
$$;
CREATE INDEX invoices_number_key_idx ON invoices (invoice_number_key(number));

-- ---------------------------------------------------------------- payments
CREATE TABLE payments (
  id           text PRIMARY KEY CHECK (id <> ''),
  -- Null until matched (a bank file names no customer); set once.
  customer_id  text REFERENCES customers (id),
  currency     char(3) NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  received_at  timestamptz NOT NULL,
  source       text NOT NULL CHECK (source IN ('json', 'camt054')),
  file_sha256  text CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  -- SHA-256 of the payment as posted: the same id with another hash is another payment under a used id (422).
  content_hash text NOT NULL,
  posted_by    uuid NOT NULL REFERENCES users (id),
  posted_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT files_name_their_sha256 CHECK ((source = 'camt054') = (file_sha256 IS NOT NULL))
);
CREATE INDEX payments_customer_idx ON payments (customer_id);

CREATE TABLE unapplied_cash (
  id             uuid PRIMARY KEY,
  payment_id     text NOT NULL REFERENCES payments (id),
  customer_id    text REFERENCES customers (id),
  currency       char(3) NOT NULL,
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  -- What the worklist has applied of it since; moved only by its applications' trigger.
  applied_minor  bigint NOT NULL DEFAULT 0 CHECK (applied_minor >= 0),
  reference      text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT applied_within_amount CHECK (applied_minor <= amount_minor)
);
CREATE INDEX unapplied_cash_created_idx ON unapplied_cash (created_at DESC, id);
CREATE INDEX unapplied_cash_customer_idx ON unapplied_cash (customer_id, created_at DESC, id);

CREATE TABLE payment_applications (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  payment_id     text NOT NULL REFERENCES payments (id),
  invoice_number text NOT NULL REFERENCES invoices (number),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  -- Null: applied by the matcher as the payment was posted; else the person who applied it from the worklist.
  applied_by     uuid REFERENCES users (id),
  unapplied_id   uuid REFERENCES unapplied_cash (id),
  applied_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT worklist_applications_name_both CHECK ((applied_by IS NULL) = (unapplied_id IS NULL))
);
CREATE INDEX payment_applications_invoice_idx ON payment_applications (invoice_number);
CREATE INDEX payment_applications_payment_idx ON payment_applications (payment_id);

CREATE TABLE deductions (
  id             uuid PRIMARY KEY,
  payment_id     text NOT NULL REFERENCES payments (id),
  invoice_number text NOT NULL REFERENCES invoices (number),
  -- The deduction's place among the payment's: one row per remittance adjustment, whatever retries happen.
  ordinal        integer NOT NULL CHECK (ordinal >= 0),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  customer_code  text NOT NULL,
  reason_code    text,
  reference      text,
  note           text,
  status         text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLEARED', 'INVALID', 'PARTIAL')),
  case_id        uuid REFERENCES cases (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT one_deduction_per_adjustment UNIQUE (payment_id, ordinal)
);
CREATE INDEX deductions_created_idx ON deductions (created_at DESC, id);
CREATE INDEX deductions_invoice_idx ON deductions (invoice_number);

-- ---------------------------------------------------------------- posting
-- An application runs as the ledger's owner: the application never itself writes an invoice's paid figure or what
-- is left of unapplied cash. Same currency, never another customer's invoice; the invoice's open balance (0009's
-- CHECK) and what is left of the unapplied cash (applied_within_amount) refuse more than there is.
CREATE FUNCTION payment_applications_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pay payments;
  inv invoices;
  cash unapplied_cash;
BEGIN
  SELECT * INTO pay FROM payments WHERE id = NEW.payment_id;
  SELECT * INTO inv FROM invoices WHERE number = NEW.invoice_number FOR UPDATE;
  IF inv.currency <> pay.currency THEN
    RAISE EXCEPTION 'payment % is in % but invoice % in %', pay.id, pay.currency, inv.number, inv.currency
      USING ERRCODE = 'check_violation';
  END IF;
  IF pay.customer_id IS NOT NULL AND pay.customer_id <> inv.customer_id THEN
    RAISE EXCEPTION 'payment % is of customer % but invoice % of %', pay.id, pay.customer_id, inv.number, inv.customer_id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.unapplied_id IS NOT NULL THEN
    SELECT * INTO cash FROM unapplied_cash WHERE id = NEW.unapplied_id FOR UPDATE;
    IF cash.payment_id <> NEW.payment_id THEN
      RAISE EXCEPTION 'unapplied cash % is of payment %, not %', cash.id, cash.payment_id, NEW.payment_id
        USING ERRCODE = 'check_violation';
    END IF;
    UPDATE unapplied_cash SET applied_minor = applied_minor + NEW.amount_minor WHERE id = NEW.unapplied_id;
  END IF;
  IF pay.customer_id IS NULL THEN
    UPDATE payments SET customer_id = inv.customer_id WHERE id = pay.id;
  END IF;
  UPDATE invoices SET paid_minor = paid_minor + NEW.amount_minor, updated_at = now() WHERE number = NEW.invoice_number;
  RETURN NEW;
END $$;
CREATE TRIGGER payment_applications_post BEFORE INSERT ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION payment_applications_post();

-- The import lock of issue 5 covers payments as it covers cases and documents.
CREATE TRIGGER payment_applications_lock_invoice AFTER INSERT ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION lock_invoice('invoice_number', 'payment', 'payment_id');

-- At commit: a payment is whole, what the matcher applied and what it left unapplied adding up to its amount.
CREATE FUNCTION payments_check_whole() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  applied bigint;
  unapplied bigint;
BEGIN
  SELECT coalesce(sum(amount_minor), 0) INTO applied FROM payment_applications WHERE payment_id = NEW.id AND unapplied_id IS NULL;
  SELECT coalesce(sum(amount_minor), 0) INTO unapplied FROM unapplied_cash WHERE payment_id = NEW.id;
  IF applied + unapplied <> NEW.amount_minor THEN
    RAISE EXCEPTION 'payment % is % but applied % and unapplied % add up to %', NEW.id, NEW.amount_minor, applied, unapplied,
      applied + unapplied USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER payments_whole AFTER INSERT ON payments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_check_whole();

-- At commit, whoever touched the invoice: its figures are its documents' and its payments'.
CREATE OR REPLACE FUNCTION invoices_check_credited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  credited bigint;
  debited bigint;
  written_off bigint;
  paid bigint;
BEGIN
  SELECT * INTO NEW FROM invoices WHERE number = NEW.number;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(sum(amount_minor) FILTER (WHERE kind = 'CREDIT'), 0),
         coalesce(sum(amount_minor) FILTER (WHERE kind = 'DEBIT'), 0),
         coalesce(sum(amount_minor) FILTER (WHERE kind = 'WRITE_OFF'), 0)
    INTO credited, debited, written_off
    FROM adjustments WHERE invoice_number = NEW.number;
  SELECT coalesce(sum(amount_minor), 0) INTO paid FROM payment_applications WHERE invoice_number = NEW.number;
  IF (NEW.credited_minor, NEW.debited_minor, NEW.written_off_minor, NEW.paid_minor) <> (credited, debited, written_off, paid) THEN
    RAISE EXCEPTION 'invoice % is credited %, debited %, written off %, paid % but its documents and payments say %, %, %, %',
      NEW.number, NEW.credited_minor, NEW.debited_minor, NEW.written_off_minor, NEW.paid_minor, credited, debited, written_off, paid
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- append-only
-- Written once, except: a payment's customer from null once; what is applied of unapplied cash, only upward; a
-- deduction's status from OPEN and its case from null (the deduction cases of issue 11's next part).
CREATE FUNCTION payments_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.customer_id IS NULL
     AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'payments is append-only (its customer is set once): % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_keep();

CREATE FUNCTION unapplied_cash_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.applied_minor > OLD.applied_minor
     AND (to_jsonb(NEW) - 'applied_minor') = (to_jsonb(OLD) - 'applied_minor') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'unapplied_cash is append-only (what is applied only grows): % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER unapplied_cash_append_only BEFORE UPDATE OR DELETE ON unapplied_cash
  FOR EACH ROW EXECUTE FUNCTION unapplied_cash_keep();

CREATE FUNCTION deductions_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'status' - 'case_id' - 'reason_code') = (to_jsonb(OLD) - 'status' - 'case_id' - 'reason_code')
     AND (NEW.status = OLD.status OR OLD.status = 'OPEN')
     AND (NEW.case_id IS NOT DISTINCT FROM OLD.case_id OR OLD.case_id IS NULL)
     AND (NEW.reason_code IS NOT DISTINCT FROM OLD.reason_code OR OLD.reason_code IS NULL) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'deductions is append-only (status moves from OPEN, case and reason are set once): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER deductions_append_only BEFORE UPDATE OR DELETE ON deductions
  FOR EACH ROW EXECUTE FUNCTION deductions_keep();

CREATE TRIGGER payment_applications_append_only BEFORE UPDATE OR DELETE ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER payment_applications_no_truncate BEFORE TRUNCATE ON payment_applications
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER unapplied_cash_no_truncate BEFORE TRUNCATE ON unapplied_cash
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER deductions_no_truncate BEFORE TRUNCATE ON deductions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- the application's role
-- Inserts only: the triggers above move the invoice's paid figure, a payment's customer and what is applied of
-- unapplied cash, as the tables' owner.
GRANT SELECT, INSERT ON payments, payment_applications, unapplied_cash, deductions TO ar_dispute_app;
