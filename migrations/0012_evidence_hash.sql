-- Evidence frozen for the decision. A case keeps the SHA-256 (lowercase hex) of the evidence and findings it
-- stores, and each approval the hash its approver saw, so an auditor can tell on what evidence a credit was
-- approved. Null for cases collected, and approvals decided, before the hash existed.
ALTER TABLE cases ADD COLUMN evidence_hash text CHECK (evidence_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE approvals ADD COLUMN evidence_hash text CHECK (evidence_hash ~ '^[0-9a-f]{64}$');

-- Findings are append-only, a set per evidence version: the seq of the trail event that stored the set (its
-- EVIDENCE_COLLECTED, then each EVIDENCE_REFRESHED) is its version, and the case names its current one. A refresh adds
-- a set and moves the case to it; the sets before stay, so an approval's hash can be checked against the findings it
-- was given. The event's seq is also what makes a retried refresh store one set only (its event is written once).
ALTER TABLE cases ADD COLUMN evidence_seq integer;
ALTER TABLE findings ADD COLUMN evidence_seq integer;
UPDATE cases c SET evidence_seq = e.seq
  FROM (SELECT case_id, max(seq) AS seq FROM case_events WHERE type = 'EVIDENCE_COLLECTED' GROUP BY case_id) e
 WHERE e.case_id = c.id;
UPDATE findings f SET evidence_seq = c.evidence_seq FROM cases c WHERE c.id = f.case_id;
ALTER TABLE findings
  ALTER COLUMN evidence_seq SET NOT NULL,
  DROP CONSTRAINT findings_pkey,
  ADD PRIMARY KEY (case_id, evidence_seq, ordinal);
DROP INDEX findings_case_team_idx;
CREATE INDEX findings_case_team_idx ON findings (case_id, evidence_seq, team);

-- The findings every read answers: those of the case's current evidence.
CREATE VIEW current_findings AS
  SELECT f.* FROM findings f JOIN cases c ON c.id = f.case_id AND f.evidence_seq = c.evidence_seq;
GRANT SELECT ON current_findings TO ar_dispute_app;

-- What each current finding counts towards its case's recommendations (read-model/recommendations.ts), the one home
-- of the rule: in full while a task of the case is open; then what its task confirmed (a finding no done task
-- answered, its task cancelled, still in full). UNDERBILLED is money owed to us: a debit, never overbilling.
CREATE VIEW counted_findings AS
  SELECT f.*, c.counted AS counted_minor,
         CASE WHEN f.code = 'UNDERBILLED' THEN 0 ELSE c.counted END AS overbilling_minor,
         CASE WHEN f.code = 'UNDERBILLED' THEN c.counted ELSE 0 END AS underbilling_minor
    FROM current_findings f
    CROSS JOIN LATERAL (
      SELECT CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = f.case_id AND t.status = 'OPEN') THEN f.amount_minor
                  ELSE coalesce(f.confirmed_minor, f.amount_minor) END AS counted) c;
GRANT SELECT ON counted_findings TO ar_dispute_app;

-- One open task per team per case, no longer one ever: a refresh cancels the task of a team whose findings are gone,
-- and gives the team a new one should findings of its come back (or new codes come after its task was done).
ALTER TABLE tasks DROP CONSTRAINT tasks_case_id_team_key;
CREATE UNIQUE INDEX tasks_one_open_per_team ON tasks (case_id, team) WHERE status = 'OPEN';
