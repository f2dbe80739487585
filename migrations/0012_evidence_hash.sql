-- Evidence frozen for the decision. A case keeps the SHA-256 (lowercase hex) of the evidence and findings it
-- stores, and each approval the hash its approver saw, so an auditor can tell on what evidence a credit was
-- approved. Null for cases collected, and approvals decided, before the hash existed.
ALTER TABLE cases ADD COLUMN evidence_hash text CHECK (evidence_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE approvals ADD COLUMN evidence_hash text CHECK (evidence_hash ~ '^[0-9a-f]{64}$');

-- A refresh of the evidence replaces the case's findings as a whole. What they were stays on the trail (the
-- EVIDENCE_REFRESHED event's previousFindings, append-only and hash-chained), so the table of the current ones may
-- lose rows: only the evidence activity deletes, in the transaction that writes that event.
GRANT DELETE ON findings TO ar_dispute_app;

-- One open task per team per case, no longer one ever: a refresh cancels the task of a team whose findings are gone,
-- and gives the team a new one should findings of its come back (or new codes come after its task was done).
ALTER TABLE tasks DROP CONSTRAINT tasks_case_id_team_key;
CREATE UNIQUE INDEX tasks_one_open_per_team ON tasks (case_id, team) WHERE status = 'OPEN';
