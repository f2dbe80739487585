-- Every command is applied under an Idempotency-Key (the caller's, or one the API makes), and the key is bound to
-- its request: the same key with another request is refused (422), as the IETF Idempotency-Key draft says. One
-- table for every command, keyed by (user, key) as before, so that one user's key names one request whatever the
-- command: a key that opened a case cannot then cancel another. Rows of openings keep their reservation (the case's
-- ids, fixed before its workflow starts); a comment's row names the comment it posted, so a retry answers it.
ALTER TABLE idempotency_keys
  ADD COLUMN command    text NOT NULL DEFAULT 'open',
  ADD COLUMN comment_id uuid REFERENCES case_comments (id) DEFERRABLE INITIALLY DEFERRED,
  ALTER COLUMN case_number DROP NOT NULL,
  ALTER COLUMN workflow_id DROP NOT NULL,
  ALTER COLUMN opened_at DROP NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN command DROP DEFAULT;

ALTER TABLE idempotency_keys
  ADD CONSTRAINT openings_reserve_their_case
    CHECK (command <> 'open' OR (case_number IS NOT NULL AND workflow_id IS NOT NULL AND opened_at IS NOT NULL)),
  ADD CONSTRAINT comments_name_their_comment CHECK ((command = 'comment') = (comment_id IS NOT NULL));
