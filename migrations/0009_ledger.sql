-- The ledger: one table of documents (credit memos, debit memos, write-offs), each with its lines, numbered in three
-- gapless series. The invoice's figures and each line's credit are kept equal to the documents by triggers and
-- checked at commit, whoever writes; the open balance is derived from them and can never be negative.

-- ---------------------------------------------------------------- the series
-- One row per series, bumped inside the transaction that inserts the document: a rolled-back attempt leaves no gap.
CREATE TABLE document_counters (
  series     text PRIMARY KEY CHECK (series IN ('CM', 'DM', 'WO')),
  last_value bigint NOT NULL CHECK (last_value >= 0)
);
INSERT INTO document_counters (series, last_value)
SELECT 'CM', last_value FROM credit_memo_counter
UNION ALL SELECT 'DM', 0
UNION ALL SELECT 'WO', 0;

-- ---------------------------------------------------------------- the documents
CREATE TABLE adjustments (
  number         text PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('CREDIT', 'DEBIT', 'WRITE_OFF')),
  case_id        uuid NOT NULL REFERENCES cases (id),
  approval_id    uuid NOT NULL REFERENCES approvals (id),
  invoice_number text NOT NULL REFERENCES invoices (number),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  currency       char(3) NOT NULL,
  issued_at      timestamptz NOT NULL DEFAULT now(),
  -- One document per invoice and kind per approval, whatever retries happen.
  CONSTRAINT one_document_per_approval_invoice_kind UNIQUE (approval_id, invoice_number, kind),
  CONSTRAINT number_in_its_series
    CHECK (left(number, 3) = CASE kind WHEN 'CREDIT' THEN 'CM-' WHEN 'DEBIT' THEN 'DM-' ELSE 'WO-' END)
);
CREATE INDEX adjustments_invoice_idx ON adjustments (invoice_number, kind);
CREATE INDEX adjustments_case_idx ON adjustments (case_id);

CREATE TABLE adjustment_lines (
  adjustment_number text NOT NULL REFERENCES adjustments (number),
  invoice_number    text NOT NULL,
  line_no           integer NOT NULL,
  amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
  PRIMARY KEY (adjustment_number, line_no),
  FOREIGN KEY (invoice_number, line_no) REFERENCES invoice_lines (invoice_number, line_no)
);
CREATE INDEX adjustment_lines_line_idx ON adjustment_lines (invoice_number, line_no);

-- The credit memos issued so far become CREDIT documents, each spread over its invoice's lines in line order after
-- the memos before it: memo k covers the credited range [before_k, before_k + amount_k) of the invoice, line j the
-- billed range [before_j, before_j + amount_j), and the memo's part of the line is where the two ranges overlap.
INSERT INTO adjustments (number, kind, case_id, approval_id, invoice_number, amount_minor, currency, issued_at)
SELECT number, 'CREDIT', case_id, approval_id, invoice_number, amount_minor, currency, issued_at FROM credit_memos;

INSERT INTO adjustment_lines (adjustment_number, invoice_number, line_no, amount_minor)
SELECT m.number, m.invoice_number, l.line_no,
       least(m.start + m.amount_minor, l.start + l.amount_minor) - greatest(m.start, l.start)
  FROM (SELECT number, invoice_number, amount_minor,
               coalesce(sum(amount_minor) OVER (PARTITION BY invoice_number ORDER BY issued_at, number
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start
          FROM credit_memos) m
  JOIN (SELECT invoice_number, line_no, amount_minor,
               coalesce(sum(amount_minor) OVER (PARTITION BY invoice_number ORDER BY line_no
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start
          FROM invoice_lines) l ON l.invoice_number = m.invoice_number
 WHERE least(m.start + m.amount_minor, l.start + l.amount_minor) > greatest(m.start, l.start);

-- Readers of credit memos keep reading them; there is one home for the documents.
DROP TABLE credit_memos;
DROP FUNCTION credit_memos_check_approval();
DROP TABLE credit_memo_counter;
CREATE VIEW credit_memos AS
  SELECT number, case_id, approval_id, invoice_number, amount_minor, currency, issued_at FROM adjustments WHERE kind = 'CREDIT';
CREATE VIEW credit_memo_counter AS
  SELECT true AS only_row, last_value FROM document_counters WHERE series = 'CM';

-- ---------------------------------------------------------------- the invoice's figures
ALTER TABLE invoices
  ADD COLUMN debited_minor     bigint NOT NULL DEFAULT 0 CHECK (debited_minor >= 0),
  ADD COLUMN written_off_minor bigint NOT NULL DEFAULT 0 CHECK (written_off_minor >= 0),
  -- Written by the payments of issue 11.
  ADD COLUMN paid_minor        bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0);
ALTER TABLE invoices DROP CONSTRAINT open_balance_not_negative;
ALTER TABLE invoices DROP COLUMN open_balance_minor;
ALTER TABLE invoices
  ADD COLUMN open_balance_minor bigint
    GENERATED ALWAYS AS (total_minor - credited_minor + debited_minor - written_off_minor - paid_minor) STORED,
  ADD CONSTRAINT open_balance_not_negative
    CHECK (total_minor - credited_minor + debited_minor - written_off_minor - paid_minor >= 0);

-- Credits per line from all cases ever stay within what the line billed.
ALTER TABLE invoice_lines
  ADD COLUMN credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0),
  ADD CONSTRAINT line_credit_within_billed CHECK (credited_minor <= amount_minor);

-- A locked invoice's lines keep what was billed; their credit is the ledger's to move.
CREATE OR REPLACE FUNCTION invoice_lines_keep_locked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv text;
  lock text;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.invoice_number, NEW.line_no, NEW.sku, NEW.quantity_milli, NEW.unit_price_minor)
                          IS NOT DISTINCT FROM (OLD.invoice_number, OLD.line_no, OLD.sku, OLD.quantity_milli, OLD.unit_price_minor) THEN
    RETURN NEW;
  END IF;
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

UPDATE invoice_lines l SET credited_minor = s.credited
  FROM (SELECT al.invoice_number, al.line_no, sum(al.amount_minor) AS credited
          FROM adjustment_lines al GROUP BY 1, 2) s
 WHERE l.invoice_number = s.invoice_number AND l.line_no = s.line_no;

-- ---------------------------------------------------------------- posting
-- The posting triggers run as the ledger's owner: the application inserts documents, and never itself updates an
-- invoice's figures or a line's credit (it holds no UPDATE on invoice_lines).

-- A document needs an approval of its case that approved it, decided by a manager other than the proposer.
CREATE FUNCTION adjustments_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (
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
CREATE TRIGGER adjustments_post BEFORE INSERT ON adjustments
  FOR EACH ROW EXECUTE FUNCTION adjustments_post();

-- The import lock of issue 5 covers every kind.
CREATE TRIGGER adjustments_lock_invoice AFTER INSERT ON adjustments
  FOR EACH ROW EXECUTE FUNCTION lock_invoice('invoice_number', 'adjustment', 'number');

CREATE FUNCTION adjustment_lines_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  doc adjustments;
BEGIN
  SELECT * INTO doc FROM adjustments WHERE number = NEW.adjustment_number;
  IF doc.invoice_number IS DISTINCT FROM NEW.invoice_number THEN
    RAISE EXCEPTION 'a line of % must be on its invoice %', NEW.adjustment_number, doc.invoice_number
      USING ERRCODE = 'check_violation';
  END IF;
  IF doc.kind = 'CREDIT' THEN
    UPDATE invoice_lines SET credited_minor = credited_minor + NEW.amount_minor
     WHERE invoice_number = NEW.invoice_number AND line_no = NEW.line_no;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER adjustment_lines_post BEFORE INSERT ON adjustment_lines
  FOR EACH ROW EXECUTE FUNCTION adjustment_lines_post();

-- At commit: a document's lines add up to it, and an approval's documents to the amount approved.
CREATE FUNCTION adjustments_check_whole() RETURNS trigger LANGUAGE plpgsql AS $$
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
  SELECT sum(amount_minor) INTO issued FROM adjustments WHERE approval_id = NEW.approval_id;
  SELECT amount_minor INTO approved FROM approvals WHERE id = NEW.approval_id;
  IF issued <> approved THEN
    RAISE EXCEPTION 'approval % approved % but its documents add up to %', NEW.approval_id, approved, issued
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER adjustments_whole AFTER INSERT ON adjustments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION adjustments_check_whole();

-- At commit, whoever touched either side: the invoice's figures are its documents'. A deferred trigger is handed the
-- row as it was when queued, and one transaction may post several documents: the row is read as it is now.
CREATE OR REPLACE FUNCTION invoices_check_credited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  credited bigint;
  debited bigint;
  written_off bigint;
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
  -- No payment documents exist before issue 11: nothing may be paid yet.
  IF (NEW.credited_minor, NEW.debited_minor, NEW.written_off_minor, NEW.paid_minor) <> (credited, debited, written_off, 0::bigint) THEN
    RAISE EXCEPTION 'invoice % is credited %, debited %, written off %, paid % but its documents say %, %, %, 0',
      NEW.number, NEW.credited_minor, NEW.debited_minor, NEW.written_off_minor, NEW.paid_minor, credited, debited, written_off
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION invoice_lines_check_credited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  credited bigint;
BEGIN
  SELECT * INTO NEW FROM invoice_lines WHERE invoice_number = NEW.invoice_number AND line_no = NEW.line_no;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(sum(al.amount_minor), 0) INTO credited
    FROM adjustment_lines al JOIN adjustments a ON a.number = al.adjustment_number
   WHERE al.invoice_number = NEW.invoice_number AND al.line_no = NEW.line_no AND a.kind = 'CREDIT';
  IF credited <> NEW.credited_minor THEN
    RAISE EXCEPTION 'line % of invoice % is credited % but its credit lines add up to %',
      NEW.line_no, NEW.invoice_number, NEW.credited_minor, credited USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER invoice_lines_credited_matches AFTER UPDATE ON invoice_lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION invoice_lines_check_credited();

-- Documents and their lines are written once; the counters only move forward.
CREATE TRIGGER adjustments_append_only BEFORE UPDATE OR DELETE ON adjustments
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER adjustments_no_truncate BEFORE TRUNCATE ON adjustments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER adjustment_lines_append_only BEFORE UPDATE OR DELETE ON adjustment_lines
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER adjustment_lines_no_truncate BEFORE TRUNCATE ON adjustment_lines
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE FUNCTION document_counters_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.series <> OLD.series OR NEW.last_value <> OLD.last_value + 1 THEN
    RAISE EXCEPTION 'series % only moves forward by one', OLD.series USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER document_counters_forward BEFORE UPDATE ON document_counters
  FOR EACH ROW EXECUTE FUNCTION document_counters_forward();
CREATE TRIGGER document_counters_no_delete BEFORE DELETE ON document_counters
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER document_counters_no_truncate BEFORE TRUNCATE ON document_counters
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- resolutions that adjust
-- A resolution keeps the adjustments it proposed; its amount is their sum. v1's CREDIT and NO_CREDIT stay.
ALTER TABLE resolutions DROP CONSTRAINT resolutions_type_check;
ALTER TABLE resolutions DROP CONSTRAINT credits_have_amounts;
ALTER TABLE resolutions
  ADD COLUMN adjustments jsonb CHECK (adjustments IS NULL OR jsonb_typeof(adjustments) = 'array'),
  ADD CONSTRAINT resolutions_type_check CHECK (type IN ('ADJUST', 'CREDIT', 'DEBIT', 'WRITE_OFF', 'NO_CREDIT')),
  ADD CONSTRAINT adjustments_have_amounts CHECK ((type = 'NO_CREDIT') = (amount_minor IS NULL));

-- ---------------------------------------------------------------- the application's role
GRANT SELECT, INSERT ON adjustments, adjustment_lines TO ar_dispute_app;
GRANT SELECT, UPDATE ON document_counters TO ar_dispute_app;
GRANT SELECT ON credit_memos, credit_memo_counter TO ar_dispute_app;
