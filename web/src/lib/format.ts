// Dates, durations and the words people use for the API's codes.
import type { AdjustmentKind, ResolutionType, RootCause } from '../../../domain/types';
import { WAITING_APPROVER, WAITING_CUSTOMER, WAITING_SPECIALIST } from '../../../domain/types';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** "3 d 4 h", "5 h", "12 min" */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= DAY) {
    const days = Math.floor(abs / DAY);
    const hours = Math.floor((abs % DAY) / HOUR);
    return hours ? `${days} d ${hours} h` : `${days} d`;
  }
  if (abs >= HOUR) return `${Math.floor(abs / HOUR)} h`;
  return `${Math.max(1, Math.floor(abs / 60_000))} min`;
}

export function ageOf(iso: string, now = Date.now()): string {
  return formatDuration(now - Date.parse(iso));
}

/** "due in 5 h" / "overdue by 2 d" */
export function dueText(dueAt: string, now = Date.now()): string {
  const diff = Date.parse(dueAt) - now;
  return diff >= 0 ? `due in ${formatDuration(diff)}` : `overdue by ${formatDuration(-diff)}`;
}

export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined) return '—';
  if (hours >= 48) return `${(hours / 24).toFixed(1)} d`;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  const minutes = Math.round(hours * 60);
  if (minutes >= 1) return `${minutes} min`;
  const seconds = Math.round(hours * 3600);
  return seconds < 1 ? '< 1 s' : `${seconds} s`;
}

/** The unit that reads best for a set of durations in hours: days for long cycles, seconds for the shortest. */
export function durationUnit(hours: readonly (number | null | undefined)[]): { name: 'days' | 'hours' | 'minutes' | 'seconds'; perHour: number } {
  const max = Math.max(0, ...hours.map((h) => h ?? 0));
  if (max >= 72) return { name: 'days', perHour: 1 / 24 };
  if (max >= 2 || max === 0) return { name: 'hours', perHour: 1 };
  if (max >= 0.05) return { name: 'minutes', perHour: 60 };
  return { name: 'seconds', perHour: 3600 };
}

export const STAGE_LABELS: Record<string, string> = {
  EVIDENCE: 'Evidence',
  INVESTIGATION: 'Investigation',
  RESOLUTION: 'Resolution',
  APPROVAL: 'Approval',
  CREDIT_MEMO: 'Credit memo',
  DONE: 'Done',
};

export const REASON_LABELS: Record<string, string> = {
  PRICING: 'Pricing',
  QUANTITY: 'Quantity',
  PO_MISMATCH: 'PO mismatch',
  SERVICE_NOT_COMPLETED: 'Service not completed',
  DUPLICATE_BILLING: 'Duplicate billing',
  OTHER: 'Other',
};

export const FINDING_LABELS: Record<string, string> = {
  PRICE_VARIANCE: 'Price above contract',
  CONTRACT_NOT_FOUND: 'No contract in force',
  QUANTITY_OVER_PO: 'Quantity over PO',
  SKU_NOT_ON_PO: 'Item not on PO',
  SERVICE_NOT_COMPLETED: 'Service not completed',
  DUPLICATE_INVOICE: 'Duplicate invoice',
  PO_NOT_FOUND: 'PO not found',
};

/** A task's answer, as a sentence starts it. */
export const OUTCOME_LABELS: Record<string, string> = {
  CONFIRMED: 'Confirmed',
  NOT_CONFIRMED: 'Not confirmed',
  PARTIAL: 'Partly confirmed',
};

export const ROLE_LABELS: Record<string, string> = {
  admin: 'Administrator',
  specialist: 'AR specialist',
  ops: 'Operations',
  manager: 'Manager',
  auditor: 'Auditor',
  cash: 'Cash application',
};

/** ORDER_MANAGEMENT → Order Management */
export function teamLabel(team: string | null | undefined): string {
  if (!team) return '—';
  if (team === 'SALES_OPS') return 'Sales Ops';
  return team
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export const label = (labels: Record<string, string>, code: string | null | undefined): string =>
  code ? (labels[code] ?? code) : '—';

/** The root cause codes in words, for the resolution form and the case page. */
export const ROOT_CAUSE_LABELS: Record<RootCause, string> = {
  ORDER_ENTRY: 'Order entry error',
  PRICING_SETUP: 'Pricing setup error',
  CONTRACT_SETUP: 'Contract setup error',
  SERVICE_EXECUTION: 'Service execution gap',
  DELIVERY: 'Delivery problem',
  BILLING_OUTPUT: 'Billing output error',
  DUPLICATE_BILLING: 'Duplicate billing',
  CUSTOMER_ERROR: 'Customer error',
  OTHER: 'Other',
};

/** The resolution types in words. */
export const RESOLUTION_LABELS: Record<ResolutionType, string> = {
  ADJUST: 'Adjustments',
  CREDIT: 'Credit',
  DEBIT: 'Debit',
  WRITE_OFF: 'Write-off',
  NO_CREDIT: 'No adjustment',
};

/** The kinds of adjustment in words. */
export const ADJUSTMENT_KIND_LABELS: Record<AdjustmentKind, string> = {
  CREDIT: 'Credit memo',
  DEBIT: 'Debit memo',
  WRITE_OFF: 'Write-off',
};

/** A status as people read it: OPEN → Open, PARTIAL → Partial. */
export const statusLabel = (status: string): string => status.charAt(0) + status.slice(1).toLowerCase();

/** Whom an open case waits on (a team, or one of domain/types.ts' parties) as people say it. */
export function waitingOnLabel(party: string | null | undefined): string {
  if (!party) return '—';
  if (party === WAITING_SPECIALIST) return 'Specialist';
  if (party === WAITING_APPROVER) return 'Approver';
  if (party === WAITING_CUSTOMER) return 'Customer';
  return teamLabel(party);
}
