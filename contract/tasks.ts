// The ops teams' tasks: their lists and completing one.
import { z } from 'zod';
import { TASK_OUTCOMES, TASK_STATUSES } from '../domain/types';
import { commandResponse } from './cases';
import { findingOut } from './findings';
import { amountInput, identifier, isoTimestamp, page, pageQuery, text, uuid } from './primitives';

export const taskListQuery = z.strictObject({
  team: identifier(100).optional(),
  status: z.enum(TASK_STATUSES).optional(),
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
  completedAt: isoTimestamp.nullable(),
  outcome: z.enum(TASK_OUTCOMES).nullable(),
  findings: z.array(findingOut),
});

export const taskListResponse = page(taskOut);

export const completeTaskRequest = z.strictObject({
  outcome: z.enum(TASK_OUTCOMES),
  note: text(4000),
  amount: amountInput.nullable().optional(),
});

export const taskCommandResponse = commandResponse.extend({
  taskId: uuid,
  taskStatus: z.enum(TASK_STATUSES),
});

export type TaskItem = z.infer<typeof taskOut>;
