// What each chaos case is: its source records (one of a few shapes, so every team and stage is exercised) and
// the script the driver follows for it, all drawn from one seeded PRNG so a run can be repeated with --seed.
import type { RecordsImport } from '../contract';

/** mulberry32: small, fast, good enough to draw test plans from. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'price' | 'quantity' | 'both' | 'clean' | 'shared';
export type Outcome = 'approve' | 'reject-then-approve' | 'no-credit' | 'cancel';
export type CancelStage = 'EVIDENCE' | 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL';

export interface CasePlan {
  n: number;
  kind: Kind;
  invoiceNumber: string;
  /** The invoice's total in minor units (for the report). */
  disputed: string;
  credit: string;
  outcome: Outcome;
  cancelAt: CancelStage | null;
  /** F9: two managers approve at the same moment (one 200, one 409). */
  race: boolean;
  /** F9: the opening is sent twice with one Idempotency-Key, one after the other or both at once. */
  duplicateOpen: 'none' | 'sequential' | 'concurrent';
  /** F9: the task completion / decision is sent twice with one Idempotency-Key. */
  duplicateCommand: boolean;
  /** Its tasks are completed PARTIAL, confirming part of each finding, instead of CONFIRMED. */
  partial: boolean;
  /** Think time before each human step, ms. */
  thinkMs: [number, number];
}

const cents = (minor: number): string => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

interface Shape {
  contractPrice: string;
  invoiceQty: number;
}
const SHAPES: Record<Exclude<Kind, 'shared'>, Shape> = {
  price: { contractPrice: '90.00', invoiceQty: 10 }, // PRICE_VARIANCE → SALES_OPS
  quantity: { contractPrice: '100.00', invoiceQty: 12 }, // QUANTITY_OVER_PO → ORDER_MANAGEMENT
  both: { contractPrice: '90.00', invoiceQty: 12 }, // both teams
  clean: { contractPrice: '100.00', invoiceQty: 10 }, // no findings: straight to RESOLUTION
};

function records(tag: string, shape: Shape): { records: RecordsImport; invoiceNumber: string; totalMinor: number } {
  const customerId = `CH-CUST-${tag}`;
  const contractId = `CH-CTR-${tag}`;
  const poId = `CH-PO-${tag}`;
  const invoiceNumber = `CH-INV-${tag}`;
  return {
    invoiceNumber,
    totalMinor: shape.invoiceQty * 100_00,
    records: {
      customers: [{ id: customerId, name: `Chaos customer ${tag}` }],
      contracts: [
        { id: contractId, customerId, currency: 'USD', validFrom: '2026-01-01', validTo: null, prices: [{ sku: 'SKU-A', unitPrice: shape.contractPrice }] },
      ],
      purchaseOrders: [
        { id: poId, customerId, contractId, orderedAt: '2026-02-01T00:00:00Z', lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' }] },
      ],
      workOrders: [
        { id: `CH-WO-${tag}`, purchaseOrderId: poId, status: 'COMPLETED', completedAt: '2026-02-10T00:00:00Z', lines: [{ sku: 'SKU-A', quantityCompleted: 10 }] },
      ],
      invoices: [
        {
          number: invoiceNumber,
          customerId,
          purchaseOrderId: poId,
          issuedAt: '2026-02-15T00:00:00Z',
          dueAt: '2026-03-15T00:00:00Z',
          currency: 'USD',
          lines: [{ lineNo: 1, sku: 'SKU-A', quantity: shape.invoiceQty, unitPrice: '100.00' }],
        },
      ],
    },
  };
}

export interface Plans {
  cases: CasePlan[];
  /** Import batches (each well under the API's 256 KB body limit). */
  imports: RecordsImport[];
}

function merge(into: RecordsImport, from: RecordsImport): void {
  for (const key of ['customers', 'contracts', 'purchaseOrders', 'workOrders', 'invoices'] as const) {
    (into[key] as unknown[]) = [...(into[key] ?? []), ...(from[key] ?? [])];
  }
}

/**
 * `count` cases. Mostly one invoice per case; about one case in eight belongs to a group of three on one shared
 * invoice, whose credits add up to more than its total: the ledger (or the API's open-balance check) must refuse
 * the last one, and the case goes on without a memo.
 */
export function makePlans(count: number, seed: number, runTag: string): Plans {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const cases: CasePlan[] = [];
  const batches: RecordsImport[] = [];
  let batch: RecordsImport = {};
  let inBatch = 0;
  const add = (r: RecordsImport) => {
    merge(batch, r);
    if (++inBatch >= 40) {
      batches.push(batch);
      batch = {};
      inBatch = 0;
    }
  };

  const script = (n: number, kind: Kind, invoiceNumber: string, disputedMinor: number, creditMinor: number): CasePlan => {
    const roll = rand();
    const outcome: Outcome =
      roll < 0.6 ? 'approve' : roll < 0.72 ? 'reject-then-approve' : roll < 0.86 ? 'no-credit' : 'cancel';
    const cancelAt: CancelStage | null =
      outcome === 'cancel' ? pick(kind === 'clean' ? (['EVIDENCE', 'RESOLUTION', 'APPROVAL'] as const) : (['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL'] as const)) : null;
    const dup = rand();
    return {
      n,
      kind,
      invoiceNumber,
      disputed: cents(disputedMinor),
      credit: cents(creditMinor),
      outcome,
      cancelAt,
      race: outcome !== 'cancel' && outcome !== 'no-credit' && rand() < 0.15,
      duplicateOpen: dup < 0.06 ? 'sequential' : dup < 0.12 ? 'concurrent' : 'none',
      duplicateCommand: rand() < 0.12,
      partial: kind !== 'clean' && rand() < 0.3,
      thinkMs: [200, between(800, 2_500)],
    };
  };

  for (let n = 0; n < count; ) {
    if (count - n >= 3 && rand() < 1 / 24) {
      // A group of three on one invoice of 1000.00, each disputing and crediting 400.00.
      const tag = `${runTag}-${n}`;
      const r = records(tag, SHAPES.price);
      add(r.records);
      for (let k = 0; k < 3; k++, n++) {
        const plan = script(n, 'shared', r.invoiceNumber, 400_00, 400_00);
        // Never cancelled before they are all open; the race is about who gets the balance.
        cases.push({ ...plan, outcome: k === 2 ? 'approve' : plan.outcome === 'cancel' ? 'approve' : plan.outcome, cancelAt: null, duplicateOpen: 'none' });
      }
      continue;
    }
    const kind = pick(['price', 'price', 'quantity', 'both', 'clean'] as const);
    const tag = `${runTag}-${n}`;
    const r = records(tag, SHAPES[kind]);
    add(r.records);
    const disputedMinor = between(50_00, Math.min(500_00, r.totalMinor));
    const creditMinor = between(1_00, disputedMinor);
    cases.push(script(n, kind, r.invoiceNumber, disputedMinor, creditMinor));
    n++;
  }
  if (inBatch) batches.push(batch);
  return { cases, imports: batches };
}
