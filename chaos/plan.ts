// What each chaos case is: its source records (one of a few shapes, so every team and stage is exercised) and
// the script the driver follows for it, all drawn from one seeded PRNG so a run can be repeated with --seed.
import type { RecordsImport } from '../contract';
import type { AdjustmentKind } from '../domain/types';
import { prng } from '../testkit/random';

export type Kind = 'price' | 'quantity' | 'both' | 'clean' | 'shared' | 'items';
export type Outcome = 'approve' | 'reject-then-approve' | 'no-credit' | 'cancel';
export type CancelStage = 'EVIDENCE' | 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL';

export interface CaseItemPlan {
  invoiceNumber: string;
  /** One line of the invoice; absent: the whole invoice. */
  lineNo?: number;
  disputed: string;
}

/** One adjustment of an ADJUST proposal, as the driver sends it. */
export interface AdjustmentPlan {
  kind: AdjustmentKind;
  invoiceNumber: string;
  lineNo?: number;
  amount: string;
}

export interface CasePlan {
  n: number;
  kind: Kind;
  /** The first item's invoice (the case's `invoiceNumber`). */
  invoiceNumber: string;
  /** Kind `items`: opened by items (several invoices of one customer, whole or a line); otherwise the v1 body. */
  items: CaseItemPlan[] | null;
  /** The invoice's total in minor units (for the report). */
  disputed: string;
  /** The credit proposed: the CREDIT shorthand's amount, or the CREDIT among `adjustments`. */
  credit: string;
  /**
   * Proposed as `{type: "ADJUST"}` instead of the CREDIT shorthand: a CREDIT with a DEBIT and/or a WRITE_OFF, within
   * the contract's rules (per invoice, credits and write-offs ≤ its disputed amount ≤ its open balance). Always
   * exactly one CREDIT, so that every approval still commits one credit memo: F1 and F2 count them.
   */
  adjustments: AdjustmentPlan[] | null;
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
const SHAPES: Record<Exclude<Kind, 'shared' | 'items'>, Shape> = {
  price: { contractPrice: '90.00', invoiceQty: 10 }, // PRICE_VARIANCE → SALES_OPS
  quantity: { contractPrice: '100.00', invoiceQty: 12 }, // QUANTITY_OVER_PO → ORDER_MANAGEMENT
  both: { contractPrice: '90.00', invoiceQty: 12 }, // both teams
  clean: { contractPrice: '100.00', invoiceQty: 10 }, // no findings: straight to RESOLUTION
};

/** One invoice of `shape` with its contract, order and work order, of its own customer or of `customerId`'s. */
function records(tag: string, shape: Shape, customerId = `CH-CUST-${tag}`): { records: RecordsImport; invoiceNumber: string; totalMinor: number } {
  const contractId = `CH-CTR-${tag}`;
  const poId = `CH-PO-${tag}`;
  const invoiceNumber = `CH-INV-${tag}`;
  return {
    invoiceNumber,
    totalMinor: shape.invoiceQty * 100_00,
    records: {
      customers: [{ id: customerId, name: `Chaos customer ${customerId.slice('CH-CUST-'.length)}` }],
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

/**
 * One customer's `count` invoices for a case over items, each of two lines: SKU-A 10 × 100.00 against a contract
 * price of 90.00 (PRICE_VARIANCE 100.00, SALES_OPS) and SKU-B 5 × 45.00 against 50.00 (UNDERBILLED 25.00, SALES_OPS),
 * so the case has one task over the findings of every invoice. Each invoice: 1,225.00.
 */
function itemRecords(tag: string, count: number): { records: RecordsImport; invoiceNumbers: string[] } {
  const customerId = `CH-CUST-${tag}`;
  const contractId = `CH-CTR-${tag}`;
  const invoiceNumbers = Array.from({ length: count }, (_, k) => `CH-INV-${tag}-${k + 1}`);
  return {
    invoiceNumbers,
    records: {
      customers: [{ id: customerId, name: `Chaos customer ${tag}` }],
      contracts: [
        {
          id: contractId,
          customerId,
          currency: 'USD',
          validFrom: '2026-01-01',
          validTo: null,
          prices: [
            { sku: 'SKU-A', unitPrice: '90.00' },
            { sku: 'SKU-B', unitPrice: '50.00' },
          ],
        },
      ],
      purchaseOrders: invoiceNumbers.map((_, k) => ({
        id: `CH-PO-${tag}-${k + 1}`,
        customerId,
        contractId,
        orderedAt: '2026-02-01T00:00:00Z',
        lines: [
          { lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' },
          { lineNo: 2, sku: 'SKU-B', quantity: 5, unitPrice: '50.00' },
        ],
      })),
      workOrders: invoiceNumbers.map((_, k) => ({
        id: `CH-WO-${tag}-${k + 1}`,
        purchaseOrderId: `CH-PO-${tag}-${k + 1}`,
        status: 'COMPLETED' as const,
        completedAt: '2026-02-10T00:00:00Z',
        lines: [
          { sku: 'SKU-A', quantityCompleted: 10 },
          { sku: 'SKU-B', quantityCompleted: 5 },
        ],
      })),
      invoices: invoiceNumbers.map((number, k) => ({
        number,
        customerId,
        purchaseOrderId: `CH-PO-${tag}-${k + 1}`,
        issuedAt: '2026-02-15T00:00:00Z',
        dueAt: '2026-03-15T00:00:00Z',
        currency: 'USD',
        lines: [
          { lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' },
          { lineNo: 2, sku: 'SKU-B', quantity: 5, unitPrice: '45.00' },
        ],
      })),
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

/** Draws from one PRNG: the order of the calls is the plan, so a seed repeats a run. */
function draws(rand: () => number) {
  return {
    rand,
    pick: <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)],
    between: (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)),
  };
}
type Draws = ReturnType<typeof draws>;

/** A case's script: its outcome, where it is cancelled, its F9 checks, partial completions and think time. */
function scriptOf({ rand, pick, between }: Draws, n: number, kind: Kind, invoiceNumber: string, disputedMinor: number, creditMinor: number): CasePlan {
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
    items: null,
    disputed: cents(disputedMinor),
    credit: cents(creditMinor),
    adjustments: null,
    outcome,
    cancelAt,
    race: outcome !== 'cancel' && outcome !== 'no-credit' && rand() < 0.15,
    duplicateOpen: dup < 0.06 ? 'sequential' : dup < 0.12 ? 'concurrent' : 'none',
    duplicateCommand: rand() < 0.12,
    partial: kind !== 'clean' && rand() < 0.3,
    thinkMs: [200, between(800, 2_500)],
  };
}

/**
 * One case in ten on one invoice proposes an ADJUST: the credit, and a write-off of (part of) what the credit leaves
 * of the disputed amount, or where it leaves nothing (or at random) a small debit.
 */
function maybeAdjust({ rand, between }: Draws, plan: CasePlan, disputedMinor: number, creditMinor: number): void {
  if (rand() >= 0.1) return;
  const { invoiceNumber } = plan;
  const room = disputedMinor - creditMinor;
  const second: AdjustmentPlan =
    room >= 1_00 && rand() < 0.5
      ? { kind: 'WRITE_OFF', invoiceNumber, amount: cents(between(1_00, room)) }
      : { kind: 'DEBIT', invoiceNumber, amount: cents(between(1_00, 50_00)) };
  plan.adjustments = [{ kind: 'CREDIT', invoiceNumber, amount: plan.credit }, second];
}

/**
 * `count` cases. Mostly one invoice per case; about one in seven over items (two or three invoices of one customer,
 * one of them by its line 1); about one case in eight belongs to a group of three opened at once on one shared invoice: the
 * invoice's claim lets one open and refuses the others (422). Cases over items that credit propose an ADJUST, and so
 * does about one in ten of the one-invoice cases that credit (not the shared ones, whose balance the others take):
 * some 15–20 % of all cases.
 */
export function makePlans(count: number, seed: number, runTag: string): Plans {
  const draw = draws(prng(seed));
  const { rand, pick, between } = draw;
  const script = (n: number, kind: Kind, invoiceNumber: string, disputedMinor: number, creditMinor: number) =>
    scriptOf(draw, n, kind, invoiceNumber, disputedMinor, creditMinor);
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

  for (let n = 0; n < count; ) {
    if (count - n >= 3 && rand() < 1 / 24) {
      // A group of three on one invoice of 1000.00, each disputing and crediting 400.00: one opens.
      const tag = `${runTag}-${n}`;
      const r = records(tag, SHAPES.price);
      add(r.records);
      for (let k = 0; k < 3; k++, n++) {
        const plan = script(n, 'shared', r.invoiceNumber, 400_00, 400_00);
        // Never cancelled: the others' openings must find it open.
        cases.push({ ...plan, outcome: k === 2 ? 'approve' : plan.outcome === 'cancel' ? 'approve' : plan.outcome, cancelAt: null, duplicateOpen: 'none' });
      }
      continue;
    }
    if (rand() < 0.15) {
      // A case over items: two or three invoices of one customer, the second disputed on its line 1 only. Its credit
      // is on the first invoice; another gets a DEBIT (a whole invoice's UNDERBILLED 25.00 on its line 2, a small one
      // on a disputed line), a WRITE_OFF within what the case disputes on it, or both.
      const tag = `${runTag}-${n}`;
      const r = itemRecords(tag, between(2, 3));
      add(r.records);
      const disputed = r.invoiceNumbers.map(() => between(50_00, 500_00));
      const items: CaseItemPlan[] = r.invoiceNumbers.map((invoiceNumber, k) => ({ invoiceNumber, ...(k === 1 && { lineNo: 1 }), disputed: cents(disputed[k]) }));
      const creditMinor = between(1_00, disputed[0]);
      const other = between(1, items.length - 1);
      const { invoiceNumber, lineNo } = items[other];
      const roll = rand();
      const adjustments: AdjustmentPlan[] = [{ kind: 'CREDIT', invoiceNumber: items[0].invoiceNumber, amount: cents(creditMinor) }];
      if (roll < 2 / 3) {
        adjustments.push(lineNo ? { kind: 'DEBIT', invoiceNumber, lineNo, amount: cents(between(1_00, 20_00)) } : { kind: 'DEBIT', invoiceNumber, lineNo: 2, amount: '25.00' });
      }
      if (roll >= 1 / 3) adjustments.push({ kind: 'WRITE_OFF', invoiceNumber, ...(lineNo !== undefined && { lineNo }), amount: cents(between(1_00, disputed[other])) });
      const plan = script(n, 'items', r.invoiceNumbers[0], disputed.reduce((a, b) => a + b, 0), creditMinor);
      cases.push({ ...plan, items, adjustments });
      n++;
      continue;
    }
    const kind = pick(['price', 'price', 'quantity', 'both', 'clean'] as const);
    const tag = `${runTag}-${n}`;
    const r = records(tag, SHAPES[kind]);
    add(r.records);
    const disputedMinor = between(50_00, Math.min(500_00, r.totalMinor));
    const creditMinor = between(1_00, disputedMinor);
    const plan = script(n, kind, r.invoiceNumber, disputedMinor, creditMinor);
    maybeAdjust(draw, plan, disputedMinor, creditMinor);
    cases.push(plan);
    n++;
  }
  if (inBatch) batches.push(batch);
  return { cases, imports: batches };
}

/** What a payment says of one invoice: what it pays of it and what it deducts from it, under the customer's codes. */
export interface RemittancePlan {
  invoiceNumber: string;
  paidMinor: number;
  deductions: { amountMinor: number; code: string }[];
}

export interface PaymentPlan {
  /** The payment's id (a camt.054's transaction reference). */
  id: string;
  /** Σ paid of its lines, or 10.00 more: what no invoice takes is unapplied cash. */
  amountMinor: number;
  lines: RemittancePlan[];
}

export interface PaymentFilePlan {
  n: number;
  format: 'json' | 'camt054';
  /** The one customer of its invoices (a customer's deductions are what GET /api/deductions?customerId lists). */
  customerId: string;
  payments: PaymentPlan[];
  /**
   * The cases its deductions open, one per invoice deducted from (a second deduction on the invoice joins its case),
   * scripted as the driver's own: never opened by the driver, so never sent twice.
   */
  cases: CasePlan[];
}

/** The customer's codes as the chaos customers map them (PUT /api/reason-mappings); FRT is left unmapped (OTHER). */
export const DEDUCTION_CODES = { PRC: 'PRICING', QTY: 'QUANTITY' } as const;

/** Below the chaos run's AUTO_WRITE_OFF_MAX (5.00): written off by rule, never a case. */
const SMALL_DEDUCTION: [number, number] = [50, 4_99];

/**
 * `files` payment files of one customer each, every other one a camt.054, from their own PRNG (the cases' plans stay
 * what the seed made them). Each pays `casesPerFile` invoices in part and deducts from them (20.00–300.00, one in four
 * a second deduction of 5.00–50.00 that joins the first's case), each deduction case scripted as the others (numbered
 * from `firstN`); and pays one more invoice in full or in part, half the time with a small deduction written off by
 * rule. One file in three pays 10.00 more than its lines: unapplied cash.
 */
export function makePaymentPlans(files: number, casesPerFile: number, firstN: number, seed: number, runTag: string): { files: PaymentFilePlan[]; imports: RecordsImport[] } {
  const draw = draws(prng(seed ^ 0x9a7e));
  const { rand, pick, between } = draw;
  const plans: PaymentFilePlan[] = [];
  const imports: RecordsImport[] = [];
  let n = firstN;
  for (let k = 0; k < files; k++) {
    const customerId = `CH-CUST-${runTag}-pay${k}`;
    const fileRecords: RecordsImport = {};
    const lines: RemittancePlan[] = [];
    const cases: CasePlan[] = [];
    for (let j = 0; j < casesPerFile; j++) {
      const kind = pick(['price', 'price', 'quantity', 'both', 'clean'] as const);
      const r = records(`${runTag}-pay${k}-${j}`, SHAPES[kind], customerId);
      merge(fileRecords, r.records);
      const code = kind === 'quantity' ? 'QTY' : 'PRC';
      const deductions = [between(20_00, 300_00), ...(rand() < 0.25 ? [between(5_00, 50_00)] : [])];
      const disputedMinor = deductions.reduce((a, b) => a + b, 0);
      const leftOpen = rand() < 0.5 ? 0 : between(1_00, 100_00);
      lines.push({
        invoiceNumber: r.invoiceNumber,
        paidMinor: r.totalMinor - disputedMinor - leftOpen,
        deductions: deductions.map((amountMinor, i) => ({ amountMinor, code: i === 0 ? code : 'FRT' })),
      });
      const creditMinor = between(1_00, disputedMinor);
      const plan = { ...scriptOf(draw, n++, kind, r.invoiceNumber, disputedMinor, creditMinor), duplicateOpen: 'none' as const };
      maybeAdjust(draw, plan, disputedMinor, creditMinor);
      cases.push(plan);
    }
    const paid = records(`${runTag}-pay${k}-paid`, SHAPES.clean, customerId);
    merge(fileRecords, paid.records);
    const small = rand() < 0.5 ? between(...SMALL_DEDUCTION) : 0;
    lines.push({
      invoiceNumber: paid.invoiceNumber,
      paidMinor: rand() < 0.5 ? paid.totalMinor - small : between(100_00, paid.totalMinor - 100_00 - small),
      deductions: small ? [{ amountMinor: small, code: 'FRT' }] : [],
    });
    fileRecords.customers = fileRecords.customers!.slice(0, 1);
    imports.push(fileRecords);
    // Two invoices a payment at most.
    const overpaid = rand() < 1 / 3;
    const payments: PaymentPlan[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const mine = lines.slice(i, i + 2);
      const amountMinor = mine.reduce((total, l) => total + l.paidMinor, 0) + (overpaid && i === 0 ? 10_00 : 0);
      payments.push({ id: `CH-PAY-${runTag}-${k}-${i / 2}`, amountMinor, lines: mine });
    }
    plans.push({ n: k, format: k % 2 ? 'camt054' : 'json', customerId, payments, cases });
  }
  return { files: plans, imports };
}
