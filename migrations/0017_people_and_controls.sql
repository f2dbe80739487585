-- People and controls (issue 12): who may do what, for whom and when, as data with a trail.

-- ---------------------------------------------------------------- users
-- A deactivated user's token stops working (authentication reads `active`); a team's lead takes its overdue tasks.
ALTER TABLE users
  ADD COLUMN active boolean NOT NULL DEFAULT true,
  ADD COLUMN lead boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT only_ops_lead CHECK (NOT lead OR role = 'ops');

-- A manager's limits in currencies other than BASE_CURRENCY (whose limit stays users.approval_limit_minor).
CREATE TABLE approval_limits (
  user_id     uuid NOT NULL REFERENCES users (id),
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  limit_minor bigint NOT NULL CHECK (limit_minor >= 0),
  PRIMARY KEY (user_id, currency)
);

CREATE FUNCTION approval_limits_of_managers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND role = 'manager') THEN
    RAISE EXCEPTION 'only a manager has approval limits' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER approval_limits_of_managers BEFORE INSERT OR UPDATE ON approval_limits
  FOR EACH ROW EXECUTE FUNCTION approval_limits_of_managers();

-- ---------------------------------------------------------------- delegations
-- For [starts_at, ends_at) the delegate also decides what waits for the manager, within the manager's limits.
CREATE TABLE delegations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  manager_id  uuid NOT NULL REFERENCES users (id),
  delegate_id uuid NOT NULL REFERENCES users (id),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT delegation_has_a_period CHECK (ends_at > starts_at),
  CONSTRAINT delegation_to_another CHECK (delegate_id <> manager_id)
);
CREATE INDEX delegations_by_delegate ON delegations (delegate_id, ends_at);
CREATE INDEX delegations_by_manager ON delegations (manager_id, ends_at);

CREATE FUNCTION delegations_between_managers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM users WHERE id IN (NEW.manager_id, NEW.delegate_id) AND role = 'manager') <> 2 THEN
    RAISE EXCEPTION 'a delegation is from a manager to another manager' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER delegations_between_managers BEFORE INSERT ON delegations
  FOR EACH ROW EXECUTE FUNCTION delegations_between_managers();
CREATE TRIGGER delegations_append_only BEFORE UPDATE OR DELETE ON delegations
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER delegations_no_truncate BEFORE TRUNCATE ON delegations
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- the administration trail
-- Every change to people, delegations and routing, for an auditor: append-only like the case trail.
CREATE TABLE admin_events (
  seq        bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_id   uuid NOT NULL REFERENCES users (id),
  type       text NOT NULL CHECK (type ~ '^[A-Z_]+$'),
  subject_id text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_events_by_subject ON admin_events (subject_id, seq);
CREATE TRIGGER admin_events_append_only BEFORE UPDATE OR DELETE ON admin_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER admin_events_no_truncate BEFORE TRUNCATE ON admin_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ---------------------------------------------------------------- routing as data
-- Version 0 is the code's defaults (no row); each PUT /api/routing writes the next version whole.
CREATE TABLE routing_versions (
  version    integer PRIMARY KEY CHECK (version > 0),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE routing_rules (
  version      integer NOT NULL REFERENCES routing_versions (version),
  finding_code text NOT NULL,
  team         text NOT NULL,
  PRIMARY KEY (version, finding_code)
);
-- The specialist who owns the cases the system opens for a customer's deductions.
CREATE TABLE owner_rules (
  version     integer NOT NULL REFERENCES routing_versions (version),
  customer_id text NOT NULL,
  owner_id    uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (version, customer_id)
);
CREATE TRIGGER routing_versions_append_only BEFORE UPDATE OR DELETE ON routing_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER routing_rules_append_only BEFORE UPDATE OR DELETE ON routing_rules
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER owner_rules_append_only BEFORE UPDATE OR DELETE ON owner_rules
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

GRANT SELECT, INSERT, UPDATE, DELETE ON approval_limits TO ar_dispute_app;
GRANT SELECT, INSERT ON delegations, admin_events, routing_versions, routing_rules, owner_rules TO ar_dispute_app;
GRANT USAGE ON SEQUENCE admin_events_seq_seq TO ar_dispute_app;
