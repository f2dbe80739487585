// Cash application: which of our invoices a payment pays, and how much of it is left unapplied. Pure: the use case
// reads the candidate invoices (locked) and writes what this decides; the database refuses anything else anyway.
import type { DeductionInput, PaymentInput } from './payments';

/** An invoice the payment may pay, as it stands before the payment. */
export interface CandidateInvoice {
  number: string;
  customerId: string;
  currency: string;
  openMinor: bigint;
}

export interface Application {
  invoiceNumber: string;
  amountMinor: bigint;
}

/** A deduction the customer took on an invoice the payment matched; `ordinal` is its place among the payment's. */
export interface MatchedDeduction extends DeductionInput {
  invoiceNumber: string;
  ordinal: number;
}

export interface PaymentMatch {
  /** The JSON body's customer, else the first matched invoice's; null when nothing matched. */
  customerId: string | null;
  applications: Application[];
  deductions: MatchedDeduction[];
  /** What is left of the payment: the amount minus the applications. */
  unappliedMinor: bigint;
}

const PREFIX = /^(INVOICE|INV)(NO|NR)?/;

/**
 * The form two spellings of one invoice number share: ASCII letters upper case, no separators, no INV/INVOICE/No./# prefix and no
 * leading zeros ("inv-000123", "Invoice #123" and "123" are one). Empty when nothing is left.
 */
export function normaliseInvoiceNumber(text: string): string {
  // ASCII letters only: toUpperCase() would turn ß into SS, which the database's key (migration 0013) does not.
  const compact = text.replace(/[a-z]/g, (c) => c.toUpperCase()).replace(/[^A-Z0-9]/g, '');
  const bare = compact.replace(PREFIX, '');
  // "INV" alone (or "INVOICE") names no number; a number that is only a prefix-looking word keeps its letters.
  return (bare === '' ? compact : bare).replace(/^0+(?=.)/, '');
}

/** Most words a remittance spells one number in ("Invoice No. 000123"). */
const MAX_WORDS = 3;

/** The spellings of numbers in free text: each word, and each run of up to MAX_WORDS words, normalised. */
function spellingsIn(text: string): string[] {
  const words = text.split(/[\s,;]+/).filter((w) => w !== '');
  const found: string[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let n = 1; n <= MAX_WORDS && i + n <= words.length; n++) {
      const key = normaliseInvoiceNumber(words.slice(i, i + n).join(''));
      if (key !== '') found.push(key);
    }
  }
  return found;
}

/**
 * Decides what a payment pays: the documents its remittance refers to first, in order, then invoice numbers found in
 * its free text. Never another customer's invoice (the customer is the body's, else the first matched invoice's),
 * never another currency, never more than is open; a document paid above its balance gets the balance. A line with
 * no paid amount takes the payment's amount when it is the only one, else what is left. Deductions are kept for the
 * documents matched; what no invoice takes is unapplied.
 */
export function matchPayment(payment: PaymentInput, candidates: readonly CandidateInvoice[]): PaymentMatch {
  const byNumber = new Map(candidates.map((c) => [c.number, c]));
  const byKey = new Map<string, CandidateInvoice[]>();
  for (const c of candidates) {
    const key = normaliseInvoiceNumber(c.number);
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  let customerId = payment.customerId;
  const open = new Map(candidates.map((c) => [c.number, c.openMinor]));
  let left = payment.amountMinor;
  const applied = new Map<string, bigint>();
  const deductions: MatchedDeduction[] = [];

  /** Our invoice by a number as written: exactly, else its one invoice by normalised number, of the payment's customer. */
  const find = (written: string): CandidateInvoice | null => {
    const exact = byNumber.get(written);
    const sameKey = byKey.get(normaliseInvoiceNumber(written)) ?? [];
    const invoice = exact ?? (sameKey.length === 1 ? sameKey[0] : undefined);
    if (!invoice || invoice.currency !== payment.currency) return null;
    if (customerId !== null && invoice.customerId !== customerId) return null;
    return invoice;
  };
  const apply = (invoice: CandidateInvoice, wanted: bigint) => {
    customerId ??= invoice.customerId;
    const amount = [wanted, left, open.get(invoice.number)!].reduce((a, b) => (b < a ? b : a));
    if (amount <= 0n) return;
    open.set(invoice.number, open.get(invoice.number)! - amount);
    applied.set(invoice.number, (applied.get(invoice.number) ?? 0n) + amount);
    left -= amount;
  };

  let ordinal = 0;
  for (const line of payment.remittance) {
    const invoice = find(line.documentNumber);
    if (!invoice) continue;
    const wanted = line.paidMinor ?? (payment.remittance.length === 1 ? payment.amountMinor : left);
    apply(invoice, wanted);
    for (const deduction of line.deductions) deductions.push({ ...deduction, invoiceNumber: invoice.number, ordinal: ordinal++ });
  }
  for (const text of payment.searchTexts) {
    for (const spelling of spellingsIn(text)) {
      if (left === 0n) break;
      const matches = (byKey.get(spelling) ?? []).filter((c) => !applied.has(c.number));
      if (matches.length === 1) {
        const invoice = find(matches[0].number);
        if (invoice) apply(invoice, left);
      }
    }
  }
  return {
    customerId,
    applications: [...applied].map(([invoiceNumber, amountMinor]) => ({ invoiceNumber, amountMinor })),
    deductions,
    unappliedMinor: left,
  };
}

/** The numbers, normalised, a payment could refer to: what the use case looks up among our invoices. */
export function referredKeys(payment: PaymentInput): { numbers: string[]; keys: string[] } {
  const numbers = payment.remittance.map((l) => l.documentNumber);
  const keys = [...numbers.map(normaliseInvoiceNumber), ...payment.searchTexts.flatMap(spellingsIn)];
  return { numbers, keys: [...new Set(keys)] };
}
