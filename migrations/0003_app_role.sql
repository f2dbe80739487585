-- The role the API and the worker run as: it owns nothing, so it cannot disable the trail's triggers, and it holds
-- only what the code needs. Append-only tables get SELECT and INSERT, never UPDATE, DELETE or TRUNCATE: a change to
-- the trail or the ledger is refused by the missing privilege before the triggers are even asked.
--
-- The role cannot log in. Give the API and the worker a login that is a member of it, and run migrations as the
-- tables' owner:  CREATE ROLE disputes_app LOGIN PASSWORD '…' IN ROLE ar_dispute_app;
-- Roles belong to the cluster, not the database: creating it needs CREATEROLE once (a DBA may create it first);
-- every database migrated afterwards grants it its own tables. A migration that adds a table grants it here too.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ar_dispute_app') THEN
    CREATE ROLE ar_dispute_app NOLOGIN;
  END IF;
EXCEPTION
  -- Another database's migration created it at the same moment.
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO ar_dispute_app;

-- Source records: upserted by the import, whose lines are replaced as a whole.
GRANT SELECT, INSERT, UPDATE ON customers, contracts, purchase_orders, work_orders, invoices TO ar_dispute_app;
GRANT SELECT, INSERT, DELETE ON contract_prices, purchase_order_lines, work_order_lines, invoice_lines TO ar_dispute_app;

-- People: created, revoked, the bootstrap admin's token rotated.
GRANT SELECT, INSERT, UPDATE ON users TO ar_dispute_app;

-- The read model: a case and its tasks move through their stages; the rest is written once.
GRANT SELECT, INSERT, UPDATE ON cases, tasks TO ar_dispute_app;
GRANT SELECT, INSERT ON idempotency_keys, findings, resolutions, approvals TO ar_dispute_app;
GRANT USAGE ON SEQUENCE case_number_seq TO ar_dispute_app;

-- The ledger and the trail: append-only.
GRANT SELECT, UPDATE ON credit_memo_counter TO ar_dispute_app;
GRANT SELECT, INSERT ON credit_memos, case_events, case_comments TO ar_dispute_app;
GRANT USAGE ON SEQUENCE case_events_id_seq TO ar_dispute_app;
