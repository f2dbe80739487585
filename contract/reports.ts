// The reports: cycle time and the dashboard's overview.
import { z } from 'zod';
import { AGING_BUCKETS, OPEN_STAGES, STAGES } from '../domain/types';
import { dateOrDateTime, isoTimestamp, moneyOutput } from './primitives';

// The reports' vocabulary lives with the domain's, zod-free, so the web can import it as values.
export { AGING_BUCKETS, OPEN_STAGES };

export const GROUP_BYS = ['reasonCode', 'team', 'customerId'] as const;
export const cycleTimeQuery = z.strictObject({
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  groupBy: z.enum(GROUP_BYS).default('reasonCode'),
});

const hours = z.number().nullable().meta({ description: 'Hours, 4 decimals; null when there is nothing to measure' });

export const cycleTimeResponse = z.object({
  from: isoTimestamp.nullable(),
  to: isoTimestamp,
  groupBy: z.enum(GROUP_BYS),
  overall: z.object({
    count: z.number().int(),
    closedCount: z.number().int(),
    openCount: z.number().int(),
    cancelledCount: z.number().int(),
    medianHours: hours,
    p90Hours: hours,
  }),
  groups: z.array(
    z.object({
      key: z.string(),
      count: z.number().int(),
      closedCount: z.number().int(),
      medianHours: hours,
      p90Hours: hours,
      taskCount: z.number().int().optional(),
      taskMedianHours: hours.optional(),
      taskP90Hours: hours.optional(),
    }),
  ),
  stages: z.array(z.object({ stage: z.enum(STAGES), count: z.number().int(), medianHours: hours, p90Hours: hours })),
  aging: z.array(z.object({ bucket: z.enum(AGING_BUCKETS), count: z.number().int(), amount: moneyOutput })),
});

export const overviewQuery = z.strictObject({
  weeks: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(104, 'at most 104')
    .default(12)
    .meta({ description: 'How many weeks of flow, this one included' }),
});


export const overviewResponse = z.object({
  openCases: z.array(
    z.object({ stage: z.enum(OPEN_STAGES), bucket: z.enum(AGING_BUCKETS), count: z.number().int(), amount: moneyOutput }),
  ),
  tasks: z.array(z.object({ team: z.string(), open: z.number().int(), overdue: z.number().int(), escalated: z.number().int() })),
  weeks: z.array(
    z.object({
      weekStart: z.string().meta({ format: 'date', description: 'The Monday (UTC) the week starts' }),
      opened: z.number().int(),
      closed: z.number().int(),
      cancelled: z.number().int(),
    }),
  ),
});

export type CycleTimeReport = z.infer<typeof cycleTimeResponse>;
export type Overview = z.infer<typeof overviewResponse>;
