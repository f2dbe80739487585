// Notifications: what the projection raises for people who do not watch an inbox, what a sender delivers (the
// webhook's body), and what a case's page lists.
import { z } from 'zod';
import { isoTimestamp, uuid } from './primitives';

export const NOTIFICATION_KINDS = ['TASK_ASSIGNED', 'APPROVAL_WAITING', 'TASK_ESCALATED', 'APPROVAL_ESCALATED', 'CASE_ASSIGNED'] as const;
export const notificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof notificationKind>;

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;

export const notificationRecipient = z.object({ id: z.string(), name: z.string() });
export type NotificationRecipient = z.infer<typeof notificationRecipient>;

/** What a sender delivers: the webhook's JSON body is this, with the notification's id and recipients. */
export const notificationPayload = z.object({
  kind: notificationKind,
  caseNumber: z.string(),
  caseId: uuid,
  workflowId: z.string(),
  link: z.string().meta({ description: "The case's page in the web UI, a path: /cases/<caseNumber>" }),
  title: z.string(),
  dueAt: isoTimestamp.optional().meta({ description: 'When what is asked falls due, where it has a due time' }),
});
export type NotificationPayload = z.infer<typeof notificationPayload>;

export const notificationMessage = notificationPayload.extend({
  id: uuid,
  recipients: z.array(notificationRecipient),
});
export type NotificationMessage = z.infer<typeof notificationMessage>;

export const notificationOut = z.object({
  id: uuid,
  kind: notificationKind,
  recipients: z.array(notificationRecipient),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int().nonnegative(),
  createdAt: isoTimestamp,
  sentAt: isoTimestamp.nullable(),
});
export const notificationListResponse = z.object({ items: z.array(notificationOut) });

export type CaseNotification = z.infer<typeof notificationOut>;
