// The reports: cycle time and the dashboard's overview.
import { z } from 'zod';
import { AGING_BUCKETS, OPEN_STAGES, STAGES } from '../domain/types';
import { isoTimestamp, moneyOutput } from './primitives';

// The reports' vocabulary lives with the domain's, zod-free, so the web can import it as values.
export { AGING_BUCKETS, OPEN_STAGES };

const EARLIEST = Date.parse('1900-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-30T00:00:00Z');
// The shape is a documented pattern (years 1900–9999, real months, days and times); that the day exists in its
// month (no 2026-02-30: V8 would roll it over, PostgreSQL would refuse it) and the bounds hold once the offset is
// applied are rules the document cannot state (a 422).
const DATE_OR_DATE_TIME =
  /^(19\d{2}|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/;
const dateOrDateTime = z
  .string()
  .regex(DATE_OR_DATE_TIME, 'an ISO 8601 date or date-time between 1900 and 9999')
  .refine((s) => {
    // V8 would roll a day that does not exist over (2026-02-30 is March 2); PostgreSQL would refuse it.
    const [year, month, day] = s.slice(0, 10).split('-').map(Number);
    if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return false;
    const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
    return t >= EARLIEST && t <= LATEST;
  }, 'a day that exists, between 1900 and 9999')
  .meta({ description: 'ISO 8601 date (whole day) or date-time' });

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
