// The ops teams' tasks: their lists and completing one.
import { z } from 'zod';
import { TASK_OUTCOMES, TASK_STATUSES } from '../domain/types';
import { commandResponse } from './cases';
import { findingOut } from './findings';
import { amountInput, identifier, isoTimestamp, moneyInput, page, pageQuery, text, uuid } from './primitives';

/** More than a 256 KB body can hold: the body limit is what bounds a completion. */
const MAX_CONFIRMATIONS = 10_000;

// Lower case, as every answer gives it (a case-insensitive pattern would not survive into the document).
const uuidInput = (message: string) =>
  z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, message).meta({ format: 'uuid' });

export const taskListQuery = z.strictObject({
  team: identifier(100).optional(),
  disputeId: uuidInput('a case id (uuid)').optional().meta({ description: "Only this case's tasks (a case page asks for its tasks with all their findings)" }),
  status: z.enum(TASK_STATUSES).optional(),
  assignee: z.literal('me').optional().meta({ description: 'Only the tasks assigned to you (a lead takes the overdue tasks of the team)' }),
  ...pageQuery,
});

export const taskOut = z.object({
  id: uuid,
  disputeId: uuid,
  caseNumber: z.string(),
  invoiceNumber: z.string(),
  team: z.string(),
  title: z.string(),
  status: z.enum(TASK_STATUSES),
  createdAt: isoTimestamp,
  dueAt: isoTimestamp,
  overdue: z.boolean(),
  escalated: z.boolean(),
  assigneeId: uuid.nullable().meta({ description: "Who the task went to when it was escalated: the team's lead; null when nobody" }),
  assigneeName: z.string().nullable(),
  completedAt: isoTimestamp.nullable(),
  outcome: z.enum(TASK_OUTCOMES).nullable(),
  routingVersion: z.number().int().nonnegative().meta({ description: "The routing version the task was made under (0: the code's defaults)" }),
  findings: z.array(findingOut),
});

export const taskListResponse = page(taskOut);

const completion = {
  note: text(4000),
  amount: amountInput.nullable().optional().meta({ description: 'Kept with the task (v1); it enters no recommendation' }),
};

/** A finding of the task and what of it is confirmed: at most its amount, each finding at most once (else 422). */
export const findingConfirmation = z.strictObject({
  id: uuidInput('a finding id (uuid)'),
  confirmedAmount: moneyInput,
});

// One shape per outcome, so that /openapi.json says exactly what is accepted: `findings` goes with PARTIAL only
// (CONFIRMED and NOT_CONFIRMED say it of every finding of the task; sent with them it is a 400 naming `findings`).
export const completeTaskRequest = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.enum(['CONFIRMED', 'NOT_CONFIRMED']), ...completion }),
  z.strictObject({
    outcome: z.literal('PARTIAL'),
    ...completion,
    findings: z
      .array(findingConfirmation)
      .min(1)
      .max(MAX_CONFIRMATIONS)
      .meta({ description: 'The confirmed amount of each finding of the task it names; a finding it does not name counts 0.00' }),
  }),
]);

export const taskCommandResponse = commandResponse.extend({
  taskId: uuid,
  taskStatus: z.enum(TASK_STATUSES),
});

export type TaskItem = z.infer<typeof taskOut>;
export type CompleteTaskRequest = z.input<typeof completeTaskRequest>;
