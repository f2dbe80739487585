-- Why a case takes no command but cancel: an event of its trail could not be stored as sent (text PostgreSQL
-- cannot hold reached the workflow without passing the API) and was written with that text replaced. Set by the
-- CASE_PARKED event's projection; null for every case that never parked.
ALTER TABLE cases ADD COLUMN parked_error text;
