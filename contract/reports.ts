// The reports: cycle time, the dashboard's overview and the deductions report.
import { z } from 'zod';
import { AGING_BUCKETS, OPEN_STAGES, STAGES } from '../domain/types';
import { dateOrDateTime, isoTimestamp, moneyOutput } from './primitives';

// The reports' vocabulary lives with the domain's, zod-free, so the web can import it as values.
export { AGING_BUCKETS, OPEN_STAGES };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * A report's `from` and `to` as the instants that bound it: `from` included (a date: its midnight UTC), `end`
 * excluded, so that `to` is included (a date: that whole UTC day). Null where the query has none.
 */
export function reportPeriod(query: { from?: string; to?: string }): { from: Date | null; end: Date | null } {
  const { from, to } = query;
  return {
    from: from ? new Date(DATE_ONLY.test(from) ? `${from}T00:00:00Z` : from) : null,
    end: to ? (DATE_ONLY.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : new Date(Date.parse(to) + 1)) : null,
  };
}

export const GROUP_BYS = ['reasonCode', 'team', 'customerId', 'rootCause'] as const;
export const cycleTimeQuery = z.strictObject({
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  groupBy: z.enum(GROUP_BYS).default('reasonCode').meta({
    description:
      "What `groups` are by. rootCause: the period's closed cases by their last resolution's root cause (one of the " +
      'codes; a resolution stored before them, with free text, counts as OTHER), each count a count of closed cases',
  }),
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
  waitingOn: z
    .array(z.object({ party: z.string(), medianHours: hours, p90Hours: hours, totalHours: z.number() }))
    .meta({
      description:
        "Whom the period's closed cases waited on (a team, SPECIALIST, APPROVER, CUSTOMER), the cycle split by party: a case's total time on the party (median, p90, within 1 %), and all of it",
    }),
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

/** Without `from`, the deductions report looks back this many days from its end (a quarter, as DSO is often taken). */
export const DEDUCTIONS_DEFAULT_DAYS = 90;

/** The deductions report's period: [from, end), both known (end: now without `to`). */
export function deductionsPeriod(query: { from?: string; to?: string }, now = new Date()): { from: Date; end: Date } {
  const period = reportPeriod(query);
  const end = period.end ?? now;
  return { from: period.from ?? new Date(end.getTime() - DEDUCTIONS_DEFAULT_DAYS * DAY_MS), end };
}

export const deductionsReportQuery = z
  .strictObject({ from: dateOrDateTime.optional(), to: dateOrDateTime.optional() })
  .superRefine((query, ctx) => {
    const { from, end } = deductionsPeriod(query);
    if (from < end) return;
    // The average per day needs a period that lasts: named on `to`, or on `from` when it is in the future.
    if (query.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be in the future without a to' });
  });

const tally = { count: z.number().int().nonnegative(), amount: moneyOutput };

export const deductionsReportResponse = z.object({
  from: isoTimestamp,
  to: isoTimestamp.meta({ description: 'The last instant of the period (a date `to` includes its whole day)' }),
  days: z.number().nonnegative().meta({ description: 'How long the period is, in days (4 decimals)' }),
  currencies: z.array(
    z.object({
      currency: z.string(),
      open: z.object(tally).meta({ description: 'Deductions open at the end of the period: posted before it, resolved after it or not yet' }),
      cleared: z
        .object({ ...tally, partialCount: z.number().int().nonnegative().meta({ description: 'Of count, those PARTIAL' }) })
        .meta({ description: 'Resolved in the period CLEARED or PARTIAL; amount: what was cleared (credited or written off)' }),
      invalid: z
        .object(tally)
        .meta({ description: 'count: resolved in the period INVALID; amount: theirs and the rest of the PARTIAL ones (collectible again)' }),
      ddoDays: z
        .number()
        .nonnegative()
        .nullable()
        .meta({ description: 'Days deduction outstanding: open amount ÷ (amount resolved in the period ÷ days), 1 decimal; null when none was resolved' }),
    }),
  ),
  remittance: z.object({
    appliedByMatcher: z.number().int().nonnegative().meta({ description: 'Applications the matcher made to payments posted in the period' }),
    leftForAPerson: z.number().int().nonnegative().meta({ description: 'Unapplied items the matcher left of those payments' }),
    shareWithoutPerson: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .meta({ description: 'appliedByMatcher ÷ (appliedByMatcher + leftForAPerson), 4 decimals; null when both are 0' }),
  }),
});

export type CycleTimeReport = z.infer<typeof cycleTimeResponse>;
export type Overview = z.infer<typeof overviewResponse>;
export type DeductionsReport = z.infer<typeof deductionsReportResponse>;
