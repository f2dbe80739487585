// Test data with unique keys, so test files can share a database server without colliding.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CommandActor, DisputeInput } from '../domain/messages';
import { parseMoney } from '../domain/money';
import type { ReasonCode, Role } from '../domain/types';
import { disputeWorkflowId, formatCaseNumber } from '../domain/workflow-ids';
import type { RecordsImport } from '../contract';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestUser extends CommandActor {
  token: string;
}

/**
 * A user. `approvalLimits`: a manager's whole map (USD, the base currency, is approvalLimit); without it the user acts
 * as commands did before limits per currency (approvalLimit in every currency). `lead`: an ops team's lead.
 */
export async function createUser(
  pool: Pool,
  role: Role,
  opts: { team?: string; approvalLimit?: string | null; name?: string; approvalLimits?: Record<string, string>; lead?: boolean } = {},
): Promise<TestUser> {
  const token = randomBytes(24).toString('base64url');
  const name = opts.name ?? uniqueId(role);
  const limit = opts.approvalLimits ? (opts.approvalLimits.USD ?? null) : (opts.approvalLimit ?? null);
  const { rows } = await pool.query(
    `INSERT INTO users (name, role, team, approval_limit_minor, token_hash, lead)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [name, role, opts.team ?? null, limit === null ? null : parseMoney(limit), createHash('sha256').update(token).digest(), opts.lead ?? false],
  );
  const id = rows[0].id;
  for (const [currency, amount] of Object.entries(opts.approvalLimits ?? {})) {
    if (currency === 'USD') continue;
    await pool.query('INSERT INTO approval_limits (user_id, currency, limit_minor) VALUES ($1, $2, $3)', [id, currency, parseMoney(amount)]);
  }
  const limits = opts.approvalLimits ? { approvalLimits: opts.approvalLimits } : {};
  return { id, name, role, team: opts.team ?? null, approvalLimit: limit, ...limits, token };
}

/** An invoice line as the desks below bill it: SKU, quantity, unit price. */
export type DeskLine = [sku: string, quantity: number, unitPrice: string];

/**
 * One customer with a contract (SKU-A 90.00, SKU-B 50.00), a PO of `quantityA` A at 100.00 and 8 B at 50.00 all
 * completed by a work order, and one invoice on it per entry of `invoices` (issued a day apart from Feb 15): A billed
 * at 100.00 is a price variance for Sales Ops, B billed below 50.00 is UNDERBILLED. Answers the records and the
 * invoices' numbers, in order.
 */
export function twoSkuDesk(opts: { quantityA: number; invoices: DeskLine[][]; currency?: string; customerName?: string }) {
  const currency = opts.currency ?? 'USD';
  const customerId = uniqueId('CUST');
  const poId = uniqueId('PO');
  const numbers = opts.invoices.map(() => uniqueId('INV'));
  const records: RecordsImport = {
    customers: [{ id: customerId, name: opts.customerName ?? 'Two-SKU Customer' }],
    contracts: [
      {
        id: uniqueId('CTR'),
        customerId,
        currency,
        validFrom: '2026-01-01',
        validTo: null,
        prices: [
          { sku: 'SKU-A', unitPrice: '90.00' },
          { sku: 'SKU-B', unitPrice: '50.00' },
        ],
      },
    ],
    purchaseOrders: [
      {
        id: poId,
        customerId,
        orderedAt: '2026-02-01T00:00:00Z',
        lines: [
          { lineNo: 1, sku: 'SKU-A', quantity: opts.quantityA, unitPrice: '100.00' },
          { lineNo: 2, sku: 'SKU-B', quantity: 8, unitPrice: '50.00' },
        ],
      },
    ],
    workOrders: [
      {
        id: uniqueId('WO'),
        purchaseOrderId: poId,
        status: 'COMPLETED',
        completedAt: '2026-02-10T00:00:00Z',
        lines: [
          { sku: 'SKU-A', quantityCompleted: opts.quantityA },
          { sku: 'SKU-B', quantityCompleted: 8 },
        ],
      },
    ],
    invoices: opts.invoices.map((lines, i) => ({
      number: numbers[i],
      customerId,
      purchaseOrderId: poId,
      issuedAt: `2026-02-${15 + i}T00:00:00Z`,
      dueAt: '2026-03-15T00:00:00Z',
      currency,
      lines: lines.map(([sku, quantity, unitPrice], n) => ({ lineNo: n + 1, sku, quantity, unitPrice })),
    })),
  };
  return { customerId, records, numbers };
}

/**
 * One customer with a contract (SKU-A at 90.00), a PO for 10 × SKU-A at 100.00 fully completed by a work order,
 * and an invoice billing 10 × SKU-A at 100.00: a 100.00 price variance for Sales Ops.
 */
export function pricingDispute(overrides: { invoiceQty?: number; completedQty?: number } = {}) {
  const customerId = uniqueId('CUST');
  const contractId = uniqueId('CTR');
  const poId = uniqueId('PO');
  const invoiceNumber = uniqueId('INV');
  const records: RecordsImport = {
    customers: [{ id: customerId, name: 'Acme Facilities' }],
    contracts: [
      { id: contractId, customerId, currency: 'USD', validFrom: '2026-01-01', validTo: null, prices: [{ sku: 'SKU-A', unitPrice: '90.00' }] },
    ],
    purchaseOrders: [
      { id: poId, customerId, contractId, orderedAt: '2026-02-01T00:00:00Z', lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' }] },
    ],
    workOrders: [
      {
        id: uniqueId('WO'),
        purchaseOrderId: poId,
        status: 'COMPLETED',
        completedAt: '2026-02-10T00:00:00Z',
        lines: [{ sku: 'SKU-A', quantityCompleted: overrides.completedQty ?? 10 }],
      },
    ],
    invoices: [
      {
        number: invoiceNumber,
        customerId,
        purchaseOrderId: poId,
        issuedAt: '2026-02-15T00:00:00Z',
        dueAt: '2026-03-15T00:00:00Z',
        currency: 'USD',
        lines: [{ lineNo: 1, sku: 'SKU-A', quantity: overrides.invoiceQty ?? 10, unitPrice: '100.00' }],
      },
    ],
  };
  return { records, customerId, invoiceNumber, poId };
}

let caseCounter = 0;

export function disputeInput(opts: {
  invoiceNumber: string;
  customerId: string;
  openedBy: CommandActor;
  disputedAmount: string;
  reasonCode?: ReasonCode;
  openedAt: string;
  description?: string | null;
}): DisputeInput {
  caseCounter += 1;
  const caseNumber = `${formatCaseNumber(caseCounter)}-${randomUUID().slice(0, 6)}`;
  return {
    caseId: randomUUID(),
    opened: {
      caseNumber,
      workflowId: disputeWorkflowId(caseNumber),
      invoiceNumber: opts.invoiceNumber,
      customerId: opts.customerId,
      currency: 'USD',
      disputedAmount: opts.disputedAmount,
      reasonCode: opts.reasonCode ?? 'PRICING',
      description: opts.description ?? null,
    },
    openedBy: { id: opts.openedBy.id, name: opts.openedBy.name },
    openedAt: opts.openedAt,
    slas: { taskHours: 48, resolutionHours: 72, approvalHours: 24 },
  };
}
