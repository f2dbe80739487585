-- Source records cannot rewrite history. Once a case or a credit memo refers to an invoice, what the case was judged
-- on and what the memo was posted against stays as it was: the invoice's customer, currency, PO, issue date, lines
-- and total. (The due date may still move: terms are extended while an invoice is in dispute.) The lock is taken
-- by the first referring row and never lifted, and every import is kept in record_imports, append-only.

-- Who locked the invoice first, e.g. 'case DSP-000001'; NULL: free to change.
ALTER TABLE invoices ADD COLUMN locked_by text;

-- AFTER INSERT on a table that refers to invoices: TG_ARGV = (the column naming the invoice, what the row is, the
-- column naming the row). A table that comes to refer to invoices (adjustments, payments) joins the lock with one
-- trigger of its own, e.g.:
--   CREATE TRIGGER payments_lock_invoice AFTER INSERT ON payment_lines
--     FOR EACH ROW EXECUTE FUNCTION lock_invoice('invoice_number', 'payment', 'payment_id');
CREATE FUNCTION lock_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_json jsonb := to_jsonb(NEW);
BEGIN
  UPDATE invoices SET locked_by = format('%s %s', TG_ARGV[1], row_json ->> TG_ARGV[2])
   WHERE number = row_json ->> TG_ARGV[0] AND locked_by IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_lock_invoice AFTER INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION lock_invoice('invoice_number', 'case', 'case_number');
CREATE TRIGGER credit_memos_lock_invoice AFTER INSERT ON credit_memos
  FOR EACH ROW EXECUTE FUNCTION lock_invoice('invoice_number', 'credit memo', 'number');

-- The lock, held by the database whoever writes (the import checks first, to name the fields in its answer). The
-- error names the column, so the import can name the field of a refusal it did not foresee.
CREATE FUNCTION invoices_keep_locked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text;
BEGIN
  IF OLD.locked_by IS NULL THEN
    RETURN NEW;
  END IF;
  changed := CASE
    WHEN NEW.locked_by IS DISTINCT FROM OLD.locked_by THEN 'locked_by'
    WHEN NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN 'customer_id'
    WHEN NEW.currency IS DISTINCT FROM OLD.currency THEN 'currency'
    WHEN NEW.purchase_order_id IS DISTINCT FROM OLD.purchase_order_id THEN 'purchase_order_id'
    WHEN NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN 'issued_at'
    WHEN NEW.total_minor IS DISTINCT FROM OLD.total_minor THEN 'total_minor'
  END;
  IF changed IS NOT NULL THEN
    RAISE EXCEPTION 'invoice % is locked by %: its % cannot change', OLD.number, OLD.locked_by, changed
      USING ERRCODE = 'integrity_constraint_violation', TABLE = 'invoices', COLUMN = changed;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER invoices_locked BEFORE UPDATE ON invoices
  FOR EACH ROW EXECUTE FUNCTION invoices_keep_locked();

CREATE FUNCTION invoice_lines_keep_locked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv text;
  lock text;
BEGIN
  FOREACH inv IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.invoice_number END,
                             CASE WHEN TG_OP <> 'DELETE' THEN NEW.invoice_number END] LOOP
    SELECT locked_by INTO lock FROM invoices WHERE number = inv;
    IF lock IS NOT NULL THEN
      RAISE EXCEPTION 'invoice % is locked by %: its lines cannot change', inv, lock
        USING ERRCODE = 'integrity_constraint_violation', TABLE = 'invoice_lines', COLUMN = 'lines';
    END IF;
  END LOOP;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER invoice_lines_locked BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION invoice_lines_keep_locked();

-- Invoices referred to already: locked by their first case, else their first memo.
UPDATE invoices i
   SET locked_by = coalesce(
         (SELECT 'case ' || c.case_number FROM cases c WHERE c.invoice_number = i.number ORDER BY c.opened_at, c.case_number LIMIT 1),
         (SELECT 'credit memo ' || m.number FROM credit_memos m WHERE m.invoice_number = i.number ORDER BY m.issued_at, m.number LIMIT 1))
 WHERE EXISTS (SELECT 1 FROM cases c WHERE c.invoice_number = i.number)
    OR EXISTS (SELECT 1 FROM credit_memos m WHERE m.invoice_number = i.number);

-- ---------------------------------------------------------------- the import trail
-- One row per accepted import, written in the import's own transaction: who, when, how many records of each kind,
-- and the SHA-256 of the body exactly as received (the bytes of the JSON document), so a file in hand can be matched
-- to the import it was.
CREATE TABLE record_imports (
  id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id uuid NOT NULL REFERENCES users (id),
  counts   jsonb NOT NULL CHECK (jsonb_typeof(counts) = 'object'),
  sha256   text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
CREATE INDEX record_imports_at_idx ON record_imports (at DESC, id DESC);

CREATE TRIGGER record_imports_append_only BEFORE UPDATE OR DELETE ON record_imports
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER record_imports_no_truncate BEFORE TRUNCATE ON record_imports
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

GRANT SELECT, INSERT ON record_imports TO ar_dispute_app;
