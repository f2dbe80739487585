-- Cases over several invoices and lines (issue 8). A case disputes items: a whole invoice (line_no NULL) or one of
-- its lines, each with its own disputed amount and recommendation. cases.invoice_number stays, the first item's;
-- cases.disputed_minor is the sum of the items'.
CREATE TABLE case_items (
  case_id                  uuid NOT NULL REFERENCES cases (id),
  ordinal                  integer NOT NULL CHECK (ordinal >= 0),
  invoice_number           text NOT NULL REFERENCES invoices (number),
  line_no                  integer,
  disputed_minor           bigint NOT NULL CHECK (disputed_minor > 0),
  recommended_credit_minor bigint CHECK (recommended_credit_minor >= 0),
  recommended_debit_minor  bigint CHECK (recommended_debit_minor >= 0),
  PRIMARY KEY (case_id, ordinal),
  UNIQUE NULLS NOT DISTINCT (case_id, invoice_number, line_no)
);
CREATE INDEX case_items_invoice_idx ON case_items (invoice_number);

INSERT INTO case_items (case_id, ordinal, invoice_number, line_no, disputed_minor, recommended_credit_minor, recommended_debit_minor)
SELECT id, 0, invoice_number, NULL, disputed_minor, recommended_credit_minor,
       CASE WHEN recommended_credit_minor IS NULL THEN NULL ELSE 0 END
  FROM cases;

ALTER TABLE cases ADD COLUMN recommended_debit_minor bigint CHECK (recommended_debit_minor >= 0);
UPDATE cases SET recommended_debit_minor = 0 WHERE recommended_credit_minor IS NOT NULL;

-- Findings name their invoice: a case's findings come from the invoices of all its items.
ALTER TABLE findings ADD COLUMN invoice_number text REFERENCES invoices (number);
UPDATE findings f SET invoice_number = c.invoice_number FROM cases c WHERE c.id = f.case_id;
ALTER TABLE findings ALTER COLUMN invoice_number SET NOT NULL;

-- The evidence of a case's invoices after the first (the first's stays in cases.evidence): each invoice's in one place.
CREATE TABLE case_evidence (
  case_id        uuid NOT NULL REFERENCES cases (id),
  invoice_number text NOT NULL REFERENCES invoices (number),
  evidence       jsonb NOT NULL,
  PRIMARY KEY (case_id, invoice_number)
);

-- Open claims: an invoice is in at most one open case as a whole, a line in at most one open case, and a whole
-- invoice and a line of it are never in two open cases. Taken by the opening in the transaction that reserves the
-- case's ids, before its workflow starts (no case row exists yet, so no reference to cases); released by the
-- projection that closes or cancels the case.
CREATE TABLE case_claims (
  case_id        uuid NOT NULL,
  case_number    text NOT NULL,
  invoice_number text NOT NULL REFERENCES invoices (number),
  line_no        integer,
  claimed_at     timestamptz NOT NULL DEFAULT now(),
  released_at    timestamptz
);
-- An opening released as abandoned (its workflow never started) may claim its items again when its key comes back.
CREATE UNIQUE INDEX case_claims_once_per_case ON case_claims (case_id, invoice_number, line_no) NULLS NOT DISTINCT
  WHERE released_at IS NULL;
-- The refusal names the holder by its case number (the only id an opening that never started has on the claim).
CREATE INDEX case_claims_holder_idx ON case_claims (case_number) WHERE released_at IS NULL;
CREATE UNIQUE INDEX case_claims_one_open_whole ON case_claims (invoice_number) WHERE line_no IS NULL AND released_at IS NULL;
CREATE UNIQUE INDEX case_claims_one_open_line ON case_claims (invoice_number, line_no)
  WHERE line_no IS NOT NULL AND released_at IS NULL;

-- Cases open before this migration claim their invoices, the earliest where two were open on one.
INSERT INTO case_claims (case_id, case_number, invoice_number, line_no, claimed_at)
SELECT DISTINCT ON (invoice_number) id, case_number, invoice_number, NULL, opened_at
  FROM cases WHERE status = 'OPEN' ORDER BY invoice_number, opened_at, case_number;

-- The partial unique indexes cannot see a whole invoice against one of its lines: the trigger does, under a lock on
-- the invoice's row that serialises every claim on it (two openings at once: the second waits, then sees the first).
-- The error names the open case (DETAIL), which the API answers in its 422.
CREATE FUNCTION case_claims_refuse_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  holder text;
BEGIN
  PERFORM 1 FROM invoices WHERE number = NEW.invoice_number FOR NO KEY UPDATE;
  SELECT c.case_number INTO holder
    FROM case_claims c
   WHERE c.invoice_number = NEW.invoice_number AND c.released_at IS NULL AND c.case_id <> NEW.case_id
     AND (NEW.line_no IS NULL OR c.line_no IS NULL OR c.line_no = NEW.line_no)
   ORDER BY c.claimed_at, c.case_number LIMIT 1;
  IF holder IS NOT NULL THEN
    RAISE EXCEPTION 'invoice % % is in open case %', NEW.invoice_number,
        CASE WHEN NEW.line_no IS NULL THEN '(whole)' ELSE format('line %s', NEW.line_no) END, holder
      USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'case_claims_no_overlap', DETAIL = holder;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER case_claims_no_overlap BEFORE INSERT ON case_claims
  FOR EACH ROW EXECUTE FUNCTION case_claims_refuse_overlap();

GRANT SELECT, INSERT, UPDATE ON case_items TO ar_dispute_app;
-- A refresh replaces the evidence of every invoice of the case.
GRANT SELECT, INSERT, DELETE ON case_evidence TO ar_dispute_app;
GRANT SELECT, INSERT, UPDATE ON case_claims TO ar_dispute_app;
