// Delivering the outbox (read-model/notifications.ts raises its rows): a workflow per notification
// (workflows/notification.ts), started once the trail's transaction has committed, runs deliverNotification through a
// pluggable sender: a signed webhook, or a log line where no webhook is configured.
import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { NotificationMessage } from '../contract';
import { NOTIFICATION_REFUSED } from '../domain/errors';
import type { RecordedEvent } from '../domain/events';
import type { Config } from '../infra/config';
import type { Logger } from '../infra/logger';
import { mayNotify } from '../read-model/notifications';
import type { notificationWorkflow } from '../workflows/notification';

/** Where a delivery stands: its workflow's id, for the sender's log lines. */
export interface DeliveryContext {
  workflowId: string;
}

/**
 * One way of telling people. `send` resolves once the message is delivered; it throws a non-retryable
 * ApplicationFailure (NOTIFICATION_REFUSED) when sending it again cannot help, anything else to be tried again.
 */
export interface NotificationSender {
  send(message: NotificationMessage, context: DeliveryContext): Promise<void>;
}

/** The log sender: where no webhook is configured, a notification is a log line, and counts as sent. */
export function logSender(log: Logger): NotificationSender {
  return {
    async send(message, { workflowId }) {
      log.info(
        { workflowId, notificationId: message.id, kind: message.kind, caseNumber: message.caseNumber, recipients: message.recipients },
        `notification: ${message.title}`,
      );
    },
  };
}

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/**
 * `sha256=<hex>`: HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, the timestamp in Unix seconds as its
 * header carries it and the body as sent, so a receiver can refuse a forged body and a replayed old one.
 */
export function notificationSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Retried: the receiver is down, overloaded or slow. Any other 4xx (and a redirect) says the request is wrong. */
const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * The webhook sender: POSTs the message as JSON, signed, with its id in a header (the same on every attempt, for
 * the receiver to take it once). 2xx is delivered.
 */
export function webhookSender(options: { url: string; secret: string; timeoutMs: number; now?: () => Date }): NotificationSender {
  const now = options.now ?? (() => new Date());
  return {
    async send(message) {
      const body = JSON.stringify(message);
      const timestamp = String(Math.floor(now().getTime() / 1000));
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            [WEBHOOK_HEADERS.id]: message.id,
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.signature]: notificationSignature(options.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        // Refused, reset, unresolvable or past the timeout: worth another attempt.
        const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
        throw new Error(`webhook unreachable: ${reason}`, { cause: err });
      }
      await res.body?.cancel();
      if (res.ok) return;
      const answer = `webhook answered ${res.status}`;
      if (retryable(res.status)) throw new Error(answer);
      throw ApplicationFailure.create({ type: NOTIFICATION_REFUSED, message: answer, nonRetryable: true });
    },
  };
}

/** The sender the configuration names: the webhook where NOTIFY_WEBHOOK_URL is set, else the log. */
export function configuredSender(
  config: Pick<Config, 'NOTIFY_WEBHOOK_URL' | 'NOTIFY_WEBHOOK_SECRET' | 'NOTIFY_WEBHOOK_TIMEOUT_MS'>,
  log: Logger,
): NotificationSender {
  if (!config.NOTIFY_WEBHOOK_URL) return logSender(log);
  // loadConfig refuses a URL without its secret.
  return webhookSender({ url: config.NOTIFY_WEBHOOK_URL, secret: config.NOTIFY_WEBHOOK_SECRET!, timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS });
}

export const notificationWorkflowId = (notificationId: string): string => `notify:${notificationId}`;

/**
 * Starts the delivery of every notification `events` raised that is still PENDING, in the recordEvents activity
 * after its transaction committed. Idempotent: a delivery already started (an earlier attempt of this activity
 * started it before failing) is left as it is, and a retried activity starts what an earlier attempt did not.
 */
export async function startDeliveries(pool: Pool, input: { caseId: string; events: RecordedEvent[] }): Promise<void> {
  const seqs = input.events.filter(mayNotify).map((e) => e.seq);
  if (!seqs.length) return;
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM notifications WHERE case_id = $1 AND event_seq = ANY($2::int[]) AND status = 'PENDING'`,
    [input.caseId, seqs],
  );
  if (!rows.length) return;
  const { client, info } = Context.current();
  await Promise.all(
    rows.map(async ({ id }) => {
      try {
        await client.workflow.start<typeof notificationWorkflow>('notificationWorkflow', {
          workflowId: notificationWorkflowId(id),
          taskQueue: info.taskQueue,
          args: [{ notificationId: id }],
          // Never a second delivery of one notification, even after the first has closed.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
}

/**
 * One attempt at delivering a notification: counted, sent, marked SENT; or, when it failed for good (refused, or
 * this was the last attempt its retry policy allows), marked FAILED with the error. A notification no longer PENDING
 * is left alone.
 */
export async function deliverNotification(pool: Pool, sender: NotificationSender, input: { notificationId: string }): Promise<void> {
  const { info } = Context.current();
  const workflowId = info.workflowExecution?.workflowId ?? notificationWorkflowId(input.notificationId);
  const { rows } = await pool.query<{ message: Omit<NotificationMessage, 'id'> }>(
    `UPDATE notifications SET attempts = attempts + 1 WHERE id = $1 AND status = 'PENDING'
     RETURNING payload || jsonb_build_object('recipients', recipients) AS message`,
    [input.notificationId],
  );
  if (!rows[0]) return;
  try {
    await sender.send({ id: input.notificationId, ...rows[0].message }, { workflowId });
  } catch (err) {
    const final = (err instanceof ApplicationFailure && err.nonRetryable) || info.attempt >= (info.retryPolicy?.maximumAttempts || Infinity);
    await pool.query(`UPDATE notifications SET last_error = $2, status = CASE WHEN $3 THEN 'FAILED' ELSE status END WHERE id = $1`, [
      input.notificationId,
      (err as Error).message,
      final,
    ]);
    throw err;
  }
  await pool.query(`UPDATE notifications SET status = 'SENT', sent_at = now(), last_error = NULL WHERE id = $1`, [input.notificationId]);
}
