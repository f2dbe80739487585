// How a resolution's adjustments become documents of the ledger, and the rules they must meet. Pure and
// workflow-safe (no zod, no Node builtins): the API checks a proposal with it, the ledger activity issues with it.
import type { AdjustmentKind } from './types';

/** One adjustment as proposed: an amount of one kind on an invoice of the case, on one of its lines or spread. */
export interface PlannedAdjustment {
  kind: AdjustmentKind;
  invoiceNumber: string;
  lineNo: number | null;
  amount: bigint;
}

/** A line as the ledger holds it: billed, and what the documents so far did to it. */
export interface LedgerLine {
  lineNo: number;
  billed: bigint;
  credited: bigint;
  debited: bigint;
  writtenOff: bigint;
}

/** An invoice of the case: what the case disputes on it (null: not the ledger's question), and its ledger. */
export interface LedgerInvoice {
  invoiceNumber: string;
  disputed: bigint | null;
  openBalance: bigint;
  lines: LedgerLine[];
}

export interface AllocatedDocument {
  kind: AdjustmentKind;
  invoiceNumber: string;
  amount: bigint;
  lines: { lineNo: number; amount: bigint }[];
}

export type AllocationRule = 'NOT_ON_CASE' | 'NO_SUCH_LINE' | 'NOT_POSITIVE' | 'OVER_DISPUTED' | 'OVER_OPEN_BALANCE' | 'OVER_LINE';

/** Why adjustment `index` cannot be issued, naming the field of it that is wrong. */
export interface AllocationProblem {
  index: number;
  field: 'invoiceNumber' | 'lineNo' | 'amount';
  rule: AllocationRule;
  message: string;
}

export type Allocation = { ok: true; documents: AllocatedDocument[] } | { ok: false; problems: AllocationProblem[] };

/**
 * Spreads `amount` over lines in the order given, each taking up to its room (null: any amount); null when the
 * lines cannot take it all.
 */
export function spread(amount: bigint, lines: readonly { lineNo: number; room: bigint | null }[]): { lineNo: number; amount: bigint }[] | null {
  const parts: { lineNo: number; amount: bigint }[] = [];
  let left = amount;
  for (const line of lines) {
    if (left === 0n) break;
    const take = line.room === null || line.room > left ? left : line.room;
    if (take > 0n) {
      parts.push({ lineNo: line.lineNo, amount: take });
      left -= take;
    }
  }
  return left === 0n ? parts : null;
}

/**
 * What a line can still take of a kind. A credit, up to what it billed less what was credited; a write-off, up to
 * what is still open on it (so an invoice's lines can together take its open balance); a debit, anything.
 */
function roomOf(kind: AdjustmentKind, line: LedgerLine): bigint | null {
  if (kind === 'DEBIT') return null;
  const credit = line.billed - line.credited;
  if (kind === 'CREDIT') return credit;
  return credit + line.debited - line.writtenOff;
}

// Debits first: a debit of the same approval raises what a write-off may take. Within a kind, adjustments on a named
// line before those spread, so a spread never takes the room a named line needs.
const KIND_ORDER: Record<AdjustmentKind, number> = { DEBIT: 0, CREDIT: 1, WRITE_OFF: 2 };

const fmt = (minor: bigint): string => {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

/**
 * Checks the adjustments against the case's invoices and allocates them to documents: one per invoice and kind, its
 * lines summed per line. Rules: every adjustment names an invoice of the case and, where it names one, an existing
 * line; per invoice, CREDIT and WRITE_OFF together are at most the disputed amount and at most the open balance;
 * per line, credits are at most the billed amount less what was credited before.
 */
export function allocate(adjustments: readonly PlannedAdjustment[], invoices: readonly LedgerInvoice[]): Allocation {
  const problems: AllocationProblem[] = [];
  const byNumber = new Map(invoices.map((i) => [i.invoiceNumber, i]));
  const valid: number[] = [];
  adjustments.forEach((a, index) => {
    const invoice = byNumber.get(a.invoiceNumber);
    if (a.amount <= 0n) {
      problems.push({ index, field: 'amount', rule: 'NOT_POSITIVE', message: 'must be greater than 0.00' });
    } else if (!invoice) {
      problems.push({ index, field: 'invoiceNumber', rule: 'NOT_ON_CASE', message: `${a.invoiceNumber} is not an invoice of this case` });
    } else if (a.lineNo !== null && !invoice.lines.some((l) => l.lineNo === a.lineNo)) {
      problems.push({ index, field: 'lineNo', rule: 'NO_SUCH_LINE', message: `invoice ${a.invoiceNumber} has no line ${a.lineNo}` });
    } else {
      valid.push(index);
    }
  });

  // Per invoice: what lowers it, against the disputed amount and the open balance; reported on the adjustment that
  // crosses the bound.
  for (const invoice of invoices) {
    let lowered = 0n;
    let reported = false;
    for (const index of valid) {
      const a = adjustments[index];
      if (reported || a.invoiceNumber !== invoice.invoiceNumber || a.kind === 'DEBIT') continue;
      lowered += a.amount;
      const crossed =
        invoice.disputed !== null && lowered > invoice.disputed
          ? { rule: 'OVER_DISPUTED' as const, bound: `its disputed amount ${fmt(invoice.disputed)}` }
          : lowered > invoice.openBalance
            ? { rule: 'OVER_OPEN_BALANCE' as const, bound: `its open balance ${fmt(invoice.openBalance)}` }
            : null;
      if (crossed) {
        const message = `credits and write-offs on ${invoice.invoiceNumber} come to ${fmt(lowered)}, more than ${crossed.bound}`;
        problems.push({ index, field: 'amount', rule: crossed.rule, message });
        reported = true;
      }
    }
  }
  if (problems.length) return { ok: false, problems: problems.sort((x, y) => x.index - y.index) };

  const lines = new Map(invoices.map((i) => [i.invoiceNumber, new Map(i.lines.map((l) => [l.lineNo, { ...l }]))]));
  const order = [...valid].sort((x, y) => {
    const [a, b] = [adjustments[x], adjustments[y]];
    return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || Number(a.lineNo === null) - Number(b.lineNo === null) || x - y;
  });
  const documents = new Map<string, AllocatedDocument>();
  for (const index of order) {
    const a = adjustments[index];
    const held = lines.get(a.invoiceNumber)!;
    const candidates = [...held.values()].filter((l) => a.lineNo === null || l.lineNo === a.lineNo).sort((x, y) => x.lineNo - y.lineNo);
    const parts = spread(a.amount, candidates.map((l) => ({ lineNo: l.lineNo, room: roomOf(a.kind, l) })));
    if (!parts) {
      const where = a.lineNo === null ? `the lines of ${a.invoiceNumber}` : `line ${a.lineNo} of ${a.invoiceNumber}`;
      const room = candidates.reduce((sum, l) => sum + (roomOf(a.kind, l) ?? 0n), 0n);
      problems.push({ index, field: 'amount', rule: 'OVER_LINE', message: `${where} can take ${fmt(room)} more of ${a.kind}, not ${fmt(a.amount)}` });
      continue;
    }
    const key = `${a.invoiceNumber}\u0000${a.kind}`;
    const doc = documents.get(key) ?? { kind: a.kind, invoiceNumber: a.invoiceNumber, amount: 0n, lines: [] };
    documents.set(key, doc);
    doc.amount += a.amount;
    for (const part of parts) {
      const line = held.get(part.lineNo)!;
      if (a.kind === 'CREDIT') line.credited += part.amount;
      else if (a.kind === 'DEBIT') line.debited += part.amount;
      else line.writtenOff += part.amount;
      const same = doc.lines.find((l) => l.lineNo === part.lineNo);
      if (same) same.amount += part.amount;
      else doc.lines.push({ ...part });
    }
  }
  if (problems.length) return { ok: false, problems: problems.sort((x, y) => x.index - y.index) };
  for (const doc of documents.values()) doc.lines.sort((x, y) => x.lineNo - y.lineNo);
  return { ok: true, documents: [...documents.values()] };
}

/** The amount a manager's limit is held against: every adjustment, debits included. */
export function adjustmentsTotal(adjustments: readonly { amount: bigint }[]): bigint {
  return adjustments.reduce((sum, a) => sum + a.amount, 0n);
}
