-- Money is bigint minor units (cents); quantities are bigint thousandths. Never floats.

-- ---------------------------------------------------------------- source records
CREATE TABLE customers (
  id         text PRIMARY KEY CHECK (id <> ''),
  name       text NOT NULL CHECK (name <> ''),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contracts (
  id          text PRIMARY KEY CHECK (id <> ''),
  customer_id text NOT NULL REFERENCES customers (id),
  currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  valid_from  date NOT NULL,
  valid_to    date CHECK (valid_to IS NULL OR valid_to >= valid_from),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contracts_customer_idx ON contracts (customer_id, valid_from);

CREATE TABLE contract_prices (
  contract_id      text NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
  sku              text NOT NULL CHECK (sku <> ''),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  PRIMARY KEY (contract_id, sku)
);

-- A PO may name a contract that is not (yet) in the records: that is a finding, not an error.
CREATE TABLE purchase_orders (
  id          text PRIMARY KEY CHECK (id <> ''),
  customer_id text NOT NULL REFERENCES customers (id),
  contract_id text,
  ordered_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE purchase_order_lines (
  purchase_order_id text NOT NULL REFERENCES purchase_orders (id) ON DELETE CASCADE,
  line_no           integer NOT NULL CHECK (line_no > 0),
  sku               text NOT NULL CHECK (sku <> ''),
  quantity_milli    bigint NOT NULL CHECK (quantity_milli >= 0),
  unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
  PRIMARY KEY (purchase_order_id, line_no)
);

-- Work orders arrive from field systems, possibly before their PO: no foreign key to purchase_orders.
CREATE TABLE work_orders (
  id                text PRIMARY KEY CHECK (id <> ''),
  purchase_order_id text NOT NULL,
  status            text NOT NULL CHECK (status IN ('OPEN', 'PARTIAL', 'COMPLETED', 'CANCELLED')),
  completed_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_orders_po_idx ON work_orders (purchase_order_id);

CREATE TABLE work_order_lines (
  work_order_id            text NOT NULL REFERENCES work_orders (id) ON DELETE CASCADE,
  sku                      text NOT NULL CHECK (sku <> ''),
  quantity_completed_milli bigint NOT NULL CHECK (quantity_completed_milli >= 0),
  PRIMARY KEY (work_order_id, sku)
);

-- An invoice's PO may be missing from the records (PO_NOT_FOUND): no foreign key to purchase_orders.
CREATE TABLE invoices (
  number             text PRIMARY KEY CHECK (number <> ''),
  customer_id        text NOT NULL REFERENCES customers (id),
  purchase_order_id  text NOT NULL,
  issued_at          timestamptz NOT NULL,
  due_at             timestamptz NOT NULL,
  currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  total_minor        bigint NOT NULL CHECK (total_minor >= 0),
  -- Kept equal to the sum of the invoice's credit memos by trigger; checked at commit.
  credited_minor     bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0),
  open_balance_minor bigint GENERATED ALWAYS AS (total_minor - credited_minor) STORED,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT open_balance_not_negative CHECK (total_minor - credited_minor >= 0)
);
CREATE INDEX invoices_po_idx ON invoices (purchase_order_id, issued_at);
CREATE INDEX invoices_customer_idx ON invoices (customer_id, issued_at DESC);

CREATE TABLE invoice_lines (
  invoice_number   text NOT NULL REFERENCES invoices (number) ON DELETE CASCADE,
  line_no          integer NOT NULL CHECK (line_no > 0),
  sku              text NOT NULL CHECK (sku <> ''),
  quantity_milli   bigint NOT NULL CHECK (quantity_milli > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  -- quantity × price rounded half away from zero to cents, the same rule as domain/money.ts.
  amount_minor     bigint GENERATED ALWAYS AS (round(quantity_milli::numeric * unit_price_minor / 1000)) STORED,
  PRIMARY KEY (invoice_number, line_no)
);

-- ---------------------------------------------------------------- people
CREATE TABLE users (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                 text NOT NULL CHECK (name <> ''),
  role                 text NOT NULL CHECK (role IN ('admin', 'specialist', 'ops', 'manager', 'auditor')),
  team                 text,
  approval_limit_minor bigint CHECK (approval_limit_minor >= 0),
  -- SHA-256 of the bearer token; the token itself is shown once and never stored.
  token_hash           bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  is_bootstrap         boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now(),
  revoked_at           timestamptz,
  CONSTRAINT ops_have_a_team CHECK (role <> 'ops' OR team IS NOT NULL),
  CONSTRAINT only_managers_have_limits CHECK (role = 'manager' OR approval_limit_minor IS NULL)
);
CREATE UNIQUE INDEX users_one_bootstrap_admin ON users (is_bootstrap) WHERE is_bootstrap;

-- ---------------------------------------------------------------- cases (the read model)
CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
  id                       uuid PRIMARY KEY,
  case_number              text NOT NULL UNIQUE,
  workflow_id              text NOT NULL UNIQUE,
  invoice_number           text NOT NULL REFERENCES invoices (number),
  customer_id              text NOT NULL REFERENCES customers (id),
  currency                 char(3) NOT NULL,
  disputed_minor           bigint NOT NULL CHECK (disputed_minor > 0),
  reason_code              text NOT NULL
    CHECK (reason_code IN ('PRICING', 'QUANTITY', 'PO_MISMATCH', 'SERVICE_NOT_COMPLETED', 'DUPLICATE_BILLING', 'OTHER')),
  description              text,
  opened_by                uuid NOT NULL REFERENCES users (id),
  status                   text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED', 'CANCELLED')),
  stage                    text NOT NULL DEFAULT 'EVIDENCE'
    CHECK (stage IN ('EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL', 'CREDIT_MEMO', 'DONE')),
  overbilled_minor         bigint,
  recommended_credit_minor bigint,
  evidence                 jsonb,
  evidence_error           text,
  opened_at                timestamptz NOT NULL,
  stage_entered_at         timestamptz NOT NULL,
  closed_at                timestamptz,
  CONSTRAINT closed_cases_have_closed_at CHECK ((status = 'OPEN') = (closed_at IS NULL))
);
CREATE INDEX cases_status_opened_idx ON cases (status, opened_at DESC, id);
CREATE INDEX cases_opened_idx ON cases (opened_at DESC, id);
CREATE INDEX cases_invoice_idx ON cases (invoice_number);
CREATE INDEX cases_customer_idx ON cases (customer_id, opened_at DESC);

CREATE TABLE idempotency_keys (
  user_id      uuid NOT NULL REFERENCES users (id),
  key          text NOT NULL,
  request_hash text NOT NULL,
  case_id      uuid NOT NULL REFERENCES cases (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

CREATE TABLE findings (
  case_id      uuid NOT NULL REFERENCES cases (id),
  ordinal      integer NOT NULL,
  code         text NOT NULL,
  team         text NOT NULL,
  line_no      integer,
  expected     text NOT NULL,
  actual       text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  PRIMARY KEY (case_id, ordinal)
);

CREATE TABLE tasks (
  id            uuid PRIMARY KEY,
  case_id       uuid NOT NULL REFERENCES cases (id),
  team          text NOT NULL,
  title         text NOT NULL,
  finding_codes text[] NOT NULL,
  status        text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE', 'CANCELLED')),
  created_at    timestamptz NOT NULL,
  due_at        timestamptz NOT NULL,
  escalated_at  timestamptz,
  completed_at  timestamptz,
  completed_by  uuid REFERENCES users (id),
  outcome       text CHECK (outcome IN ('CONFIRMED', 'NOT_CONFIRMED')),
  note          text,
  amount_minor  bigint CHECK (amount_minor >= 0),
  UNIQUE (case_id, team),
  CONSTRAINT done_tasks_have_outcome CHECK ((status = 'DONE') = (outcome IS NOT NULL))
);
CREATE INDEX tasks_team_status_idx ON tasks (team, status, due_at);

CREATE TABLE resolutions (
  id           uuid PRIMARY KEY,
  case_id      uuid NOT NULL REFERENCES cases (id),
  type         text NOT NULL CHECK (type IN ('CREDIT', 'NO_CREDIT')),
  amount_minor bigint CHECK (amount_minor > 0),
  root_cause   text NOT NULL,
  note         text,
  proposed_by  uuid NOT NULL REFERENCES users (id),
  proposed_at  timestamptz NOT NULL,
  CONSTRAINT credits_have_amounts CHECK ((type = 'CREDIT') = (amount_minor IS NOT NULL))
);
CREATE INDEX resolutions_case_idx ON resolutions (case_id, proposed_at);

CREATE TABLE approvals (
  id                   uuid PRIMARY KEY,
  case_id              uuid NOT NULL REFERENCES cases (id),
  resolution_id        uuid NOT NULL UNIQUE REFERENCES resolutions (id),
  decision             text NOT NULL CHECK (decision IN ('APPROVE', 'REJECT')),
  comment              text,
  amount_minor         bigint NOT NULL,
  approver_limit_minor bigint,
  decided_by           uuid NOT NULL REFERENCES users (id),
  decided_at           timestamptz NOT NULL,
  CONSTRAINT within_approver_limit CHECK (approver_limit_minor IS NULL OR amount_minor <= approver_limit_minor)
);

-- Segregation of duties, held by the database too: nobody decides on their own proposal.
CREATE FUNCTION approvals_check_segregation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM resolutions r WHERE r.id = NEW.resolution_id AND r.proposed_by = NEW.decided_by) THEN
    RAISE EXCEPTION 'the proposer of resolution % cannot decide on it', NEW.resolution_id USING ERRCODE = 'check_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.decided_by AND u.role = 'manager') THEN
    RAISE EXCEPTION 'only a manager can decide on a resolution' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER approvals_segregation BEFORE INSERT OR UPDATE ON approvals
  FOR EACH ROW EXECUTE FUNCTION approvals_check_segregation();

-- ---------------------------------------------------------------- the ledger
-- Memo numbers come from this counter, incremented in the memo's own transaction: a rolled-back attempt
-- leaves no gap (a sequence would).
CREATE TABLE credit_memo_counter (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  last_value bigint NOT NULL
);
INSERT INTO credit_memo_counter (last_value) VALUES (0);

CREATE TABLE credit_memos (
  number         text PRIMARY KEY,
  case_id        uuid NOT NULL REFERENCES cases (id),
  -- Exactly one memo per approval, whatever retries happen.
  approval_id    uuid NOT NULL UNIQUE REFERENCES approvals (id),
  invoice_number text NOT NULL REFERENCES invoices (number),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  currency       char(3) NOT NULL,
  issued_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_memos_invoice_idx ON credit_memos (invoice_number);
CREATE INDEX credit_memos_case_idx ON credit_memos (case_id);

-- A memo needs an approval that approved exactly this amount for this case.
CREATE FUNCTION credit_memos_check_approval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM approvals a
    WHERE a.id = NEW.approval_id AND a.case_id = NEW.case_id AND a.decision = 'APPROVE' AND a.amount_minor = NEW.amount_minor
  ) THEN
    RAISE EXCEPTION 'credit memo % has no matching approval', NEW.number USING ERRCODE = 'check_violation';
  END IF;
  UPDATE invoices SET credited_minor = credited_minor + NEW.amount_minor, updated_at = now()
   WHERE number = NEW.invoice_number;
  RETURN NEW;
END $$;
CREATE TRIGGER credit_memos_post BEFORE INSERT ON credit_memos
  FOR EACH ROW EXECUTE FUNCTION credit_memos_check_approval();

-- The balance never disagrees with the memos: checked at commit, whoever touched either table.
CREATE FUNCTION invoices_check_credited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  memo_sum bigint;
BEGIN
  SELECT coalesce(sum(amount_minor), 0) INTO memo_sum FROM credit_memos WHERE invoice_number = NEW.number;
  IF memo_sum <> NEW.credited_minor THEN
    RAISE EXCEPTION 'invoice % is credited % but its memos add up to %', NEW.number, NEW.credited_minor, memo_sum
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER invoices_credited_matches_memos AFTER INSERT OR UPDATE ON invoices
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION invoices_check_credited();

-- The total is the sum of the lines, checked at commit so an import can replace the lines first.
CREATE FUNCTION invoices_check_total() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv text;
  line_sum bigint;
  total bigint;
BEGIN
  IF TG_TABLE_NAME = 'invoices' THEN
    inv := NEW.number;
  ELSIF TG_OP = 'DELETE' THEN
    inv := OLD.invoice_number;
  ELSE
    inv := NEW.invoice_number;
  END IF;
  SELECT total_minor INTO total FROM invoices WHERE number = inv;
  IF total IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(sum(amount_minor), 0) INTO line_sum FROM invoice_lines WHERE invoice_number = inv;
  IF line_sum <> total THEN
    RAISE EXCEPTION 'invoice % totals % but its lines add up to %', inv, total, line_sum USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER invoices_total_matches_lines AFTER INSERT OR UPDATE ON invoices
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION invoices_check_total();
CREATE CONSTRAINT TRIGGER invoice_lines_total_matches AFTER INSERT OR UPDATE OR DELETE ON invoice_lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION invoices_check_total();

-- ---------------------------------------------------------------- the trail
-- Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers (for every role, owner included), and each
-- row carries a hash chained to the case's previous row, so an edit made by going around the triggers is
-- detected by verify_case_trail().
CREATE TABLE case_events (
  id          bigserial PRIMARY KEY,
  case_id     uuid NOT NULL REFERENCES cases (id),
  seq         integer NOT NULL CHECK (seq > 0),
  at          timestamptz NOT NULL,
  actor_id    text NOT NULL,
  actor_name  text NOT NULL,
  type        text NOT NULL,
  data        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  prev_hash   bytea,
  hash        bytea NOT NULL,
  UNIQUE (case_id, seq)
);
CREATE INDEX case_events_type_idx ON case_events (type, at);

CREATE FUNCTION case_event_digest(prev bytea, e case_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(coalesce(prev, '\x'::bytea) || convert_to(
    concat_ws('|', e.case_id::text, e.seq::text, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
              e.actor_id, e.actor_name, e.type, e.data::text), 'UTF8'))
$$;

CREATE FUNCTION case_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One writer per case at a time, so the chain has no forks.
  PERFORM 1 FROM cases WHERE id = NEW.case_id FOR UPDATE;
  SELECT hash INTO NEW.prev_hash FROM case_events WHERE case_id = NEW.case_id ORDER BY id DESC LIMIT 1;
  NEW.hash := case_event_digest(NEW.prev_hash, NEW);
  RETURN NEW;
END $$;
CREATE TRIGGER case_events_chain BEFORE INSERT ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_chain();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER credit_memos_append_only BEFORE UPDATE OR DELETE ON credit_memos
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER credit_memos_no_truncate BEFORE TRUNCATE ON credit_memos
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Rows of the case whose stored hash no longer matches their content or their predecessor.
CREATE FUNCTION verify_case_trail(p_case uuid) RETURNS TABLE (seq integer, problem text) LANGUAGE plpgsql STABLE AS $$
DECLARE
  e case_events;
  prev bytea := NULL;
BEGIN
  FOR e IN SELECT * FROM case_events WHERE case_id = p_case ORDER BY id LOOP
    IF e.prev_hash IS DISTINCT FROM prev THEN
      seq := e.seq; problem := 'chain broken before this row'; RETURN NEXT;
    END IF;
    IF e.hash <> case_event_digest(e.prev_hash, e) THEN
      seq := e.seq; problem := 'row content changed'; RETURN NEXT;
    END IF;
    prev := e.hash;
  END LOOP;
END $$;
