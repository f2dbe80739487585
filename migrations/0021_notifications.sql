-- Notifications (issue 12): what an occasional contributor must hear of without watching an inbox (a task assigned,
-- an approval waiting, an escalation, a case assigned), raised by the projection in the trail's own transaction and
-- delivered afterwards by a workflow per notification (notify:<id>). The outbox is the delivery's state.
CREATE TABLE notifications (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('TASK_ASSIGNED', 'APPROVAL_WAITING', 'TASK_ESCALATED', 'APPROVAL_ESCALATED', 'CASE_ASSIGNED')),
  case_id     uuid NOT NULL REFERENCES cases (id),
  -- The trail event that raised it: an event notifies once, however often its activity is retried.
  event_seq   integer NOT NULL,
  recipients  jsonb NOT NULL CHECK (jsonb_typeof(recipients) = 'array'),
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  status      text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  sent_at     timestamptz,
  last_error  text,
  CONSTRAINT one_notification_per_event UNIQUE (case_id, event_seq),
  CONSTRAINT raised_by_an_event FOREIGN KEY (case_id, event_seq) REFERENCES case_events (case_id, seq),
  CONSTRAINT sent_when_sent CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
);

-- Raised with the trail, then counted, sent or failed by the delivery: never deleted.
GRANT SELECT, INSERT ON notifications TO ar_dispute_app;
GRANT UPDATE (status, attempts, sent_at, last_error) ON notifications TO ar_dispute_app;
