// Deductions become disputes (issue 11). In the posting's transaction a deduction below AUTO_WRITE_OFF_MAX is written
// off by rule; after it commits, each other deduction from DEDUCTION_CASE_MIN opens a case on its invoice by the actor
// system, or joins the open case that holds the invoice. Opening is keyed by the deduction (Idempotency-Key
// `deduction:<id>` of the system actor), joining by the deduction's id in the case: a posting retried, or the same
// payments posted again after a crash, finishes what the first left and never opens a second case.
import type { PoolClient } from 'pg';
import { writeDocument } from '../../activities/ledger';
import { allocate } from '../../domain/allocation';
import { SYSTEM_OPENER } from '../../domain/events';
import { addDeductionUpdate } from '../../domain/messages';
import { formatMoney } from '../../domain/money';
import type { ReasonCode } from '../../domain/types';
import { disputeWorkflowId } from '../../domain/workflow-ids';
import { ledgerOf } from '../../read-model/ledger';
import { sendUpdate } from '../commands';
import { toAppError } from '../error-answer';
import type { RouteDeps } from '../route';
import { openCase } from './disputes';

/** The write-off rule in force: the latest version, a new one when the service now runs with another limit. */
async function ruleInForce(client: PoolClient, maxMinor: bigint): Promise<number> {
  for (;;) {
    const { rows } = await client.query('SELECT version, max_minor::text AS max_minor FROM write_off_rules ORDER BY version DESC LIMIT 1');
    const latest = rows[0];
    if (latest && latest.max_minor !== null && BigInt(latest.max_minor) === maxMinor) return latest.version as number;
    // Two postings meeting a new limit at once: one writes the version, the other reads it on its next turn.
    await client.query('INSERT INTO write_off_rules (version, max_minor) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING', [
      (latest?.version ?? 0) + 1,
      maxMinor.toString(),
    ]);
  }
}

export interface PostedDeduction {
  id: string;
  invoiceNumber: string;
  amountMinor: bigint;
}

/**
 * In the posting's transaction: writes off by rule each deduction below the limit, in the order taken (a WRITE_OFF
 * with no case or approval, naming the rule's version and the deduction), and clears it. A deduction the invoice's
 * lines cannot take is left to a case. The rule is looked up once, only when a deduction is under it.
 */
export async function writeOffByRule(client: PoolClient, deps: RouteDeps, deductions: readonly PostedDeduction[]): Promise<void> {
  const max = deps.deductionRules.autoWriteOffMaxMinor;
  const under = max === null ? [] : deductions.filter((d) => d.amountMinor < max);
  if (max === null || !under.length) return;
  const ruleVersion = await ruleInForce(client, max);
  const at = new Date().toISOString();
  for (const deduction of under) {
    const [invoice] = await ledgerOf(client, [deduction.invoiceNumber], true);
    const allocation = allocate(
      [{ kind: 'WRITE_OFF', invoiceNumber: deduction.invoiceNumber, lineNo: null, amount: deduction.amountMinor }],
      [{ ...invoice, disputed: null }],
    );
    if (!allocation.ok) continue;
    await writeDocument(client, allocation.documents[0], invoice.currency, { caseId: null, approvalId: null, ruleVersion, deductionId: deduction.id }, at);
    await client.query(`UPDATE deductions SET status = 'CLEARED', cleared_minor = amount_minor, resolved_at = $2 WHERE id = $1`, [deduction.id, at]);
  }
}

interface WaitingDeduction {
  id: string;
  payment_id: string;
  invoice_number: string;
  amount_minor: string;
  customer_code: string;
  reason_code: ReasonCode;
}

/** How many invoices' deductions are taken to cases at once (those of one invoice one after another). */
const INVOICES_AT_ONCE = 8;

/**
 * After the posting committed: every deduction of these payments still waiting for a case (from DEDUCTION_CASE_MIN,
 * not written off) opens or joins one. Answers how many cases this call opened. A deduction no case can take (more
 * than the invoice has open, its case parked) stays OPEN without a case, and is logged.
 */
export async function disputeDeductions(deps: RouteDeps, paymentIds: readonly string[]): Promise<number> {
  const { rows } = await deps.pool.query<WaitingDeduction>(
    `SELECT id, payment_id, invoice_number, amount_minor::text AS amount_minor, customer_code, reason_code FROM deductions
      WHERE payment_id = ANY($1) AND status = 'OPEN' AND case_id IS NULL AND amount_minor >= $2
      ORDER BY created_at, id`,
    [paymentIds, deps.deductionRules.caseMinMinor.toString()],
  );
  const byInvoice = new Map<string, WaitingDeduction[]>();
  for (const d of rows) byInvoice.set(d.invoice_number, [...(byInvoice.get(d.invoice_number) ?? []), d]);
  const queue = [...byInvoice.values()];
  let opened = 0;
  const runner = async (): Promise<void> => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const d of group) if ((await disputeDeduction(deps, d)) === 'opened') opened++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(INVOICES_AT_ONCE, queue.length) }, runner));
  return opened;
}

/** A refusal a person would get as a 4xx: the deduction stays as it is. Anything else (503 included) is thrown on. */
function refusal(err: unknown): string {
  const mapped = toAppError(err);
  if (!mapped || mapped.status >= 500) throw err;
  return mapped.message;
}

async function disputeDeduction(deps: RouteDeps, d: WaitingDeduction): Promise<'opened' | 'resumed' | 'joined' | 'left'> {
  const key = `deduction:${d.id}`;
  // An opening already reserved for it (a crash came between its start and the link) is finished, never joined.
  const { rowCount: reserved } = await deps.pool.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2', [SYSTEM_OPENER.id, key]);
  if (!reserved) {
    const joined = await joinOpenCase(deps, d);
    if (joined !== 'none') return joined;
  }
  try {
    const opened = await openCase(deps, SYSTEM_OPENER, key, {
      invoiceNumber: d.invoice_number,
      disputedAmount: formatMoney(BigInt(d.amount_minor)),
      reasonCode: d.reason_code,
      description: `Deduction ${d.customer_code} taken on payment ${d.payment_id}`,
    });
    await deps.pool.query('UPDATE deductions SET case_id = $1 WHERE id = $2 AND case_id IS NULL', [opened.id, d.id]);
    return reserved ? 'resumed' : 'opened';
  } catch (err) {
    // Another case took the invoice meanwhile: this one joins it.
    if (toAppError(err)?.code === 'IN_OPEN_CASE' && !reserved) {
      const joined = await joinOpenCase(deps, d);
      if (joined !== 'none') return joined;
    }
    deps.logger.warn({ deductionId: d.id, invoiceNumber: d.invoice_number, reason: refusal(err) }, 'a deduction no case could take stays open');
    return 'left';
  }
}

/** Sends the deduction to the open case that holds its invoice, if one does: 'none' when none does. */
async function joinOpenCase(deps: RouteDeps, d: WaitingDeduction): Promise<'joined' | 'left' | 'none'> {
  const { rows } = await deps.pool.query(
    `SELECT case_number FROM case_claims WHERE invoice_number = $1 AND released_at IS NULL ORDER BY claimed_at LIMIT 1`,
    [d.invoice_number],
  );
  if (!rows[0]) return 'none';
  const workflowId = disputeWorkflowId(rows[0].case_number);
  try {
    await sendUpdate(
      deps,
      workflowId,
      addDeductionUpdate,
      { actor: SYSTEM_OPENER, deductionId: d.id, invoiceNumber: d.invoice_number, amount: formatMoney(BigInt(d.amount_minor)) },
      { command: 'add-deduction', user: SYSTEM_OPENER, idempotencyKey: d.id },
    );
    return 'joined';
  } catch (err) {
    deps.logger.warn({ workflowId, deductionId: d.id, reason: refusal(err) }, 'a deduction could not join the open case of its invoice');
    return 'left';
  }
}
