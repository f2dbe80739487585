-- Notes and communications on a case. Kept in PostgreSQL, not in the workflow: a case with thousands of
-- comments must not grow its Temporal history. Append-only like the trail.
CREATE TABLE case_comments (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id    uuid NOT NULL REFERENCES cases (id),
  author_id  uuid NOT NULL REFERENCES users (id),
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_comments_case_idx ON case_comments (case_id, created_at, id);

CREATE TRIGGER case_comments_append_only BEFORE UPDATE OR DELETE ON case_comments
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_comments_no_truncate BEFORE TRUNCATE ON case_comments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
