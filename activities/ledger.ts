// The ledger: credit memos posted against invoices. One memo per approval (unique approval_id), numbered from a
// counter inside the same transaction, with its trail event: a crash anywhere leaves either all of it or none.
import { ApplicationFailure } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import { INSUFFICIENT_OPEN_BALANCE, INVOICE_VANISHED } from '../domain/errors';
import { SYSTEM_ACTOR } from '../domain/events';
import { formatMoney, parseMoney } from '../domain/money';
import { formatCreditMemoNumber } from '../domain/workflow-ids';
import { withTransaction } from '../infra/postgres';
import { insertEvents } from '../read-model/projection';

export interface IssueCreditMemoInput {
  caseId: string;
  approvalId: string;
  invoiceNumber: string;
  amount: string;
  slot: { seq: number; at: string };
}

export interface IssuedCreditMemo {
  number: string;
  amount: string;
}

const UNIQUE_VIOLATION = '23505';

export async function issueCreditMemo(pool: Pool, input: IssueCreditMemoInput): Promise<IssuedCreditMemo> {
  try {
    return await withTransaction(pool, (client) => postMemo(client, input));
  } catch (err) {
    // A concurrent attempt for the same approval committed first: its memo is the memo.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
      const existing = await existingMemo(pool, input.approvalId);
      if (existing) return existing;
    }
    throw err;
  }
}

async function existingMemo(db: Pick<Pool, 'query'>, approvalId: string): Promise<IssuedCreditMemo | null> {
  const { rows } = await db.query('SELECT number, amount_minor FROM credit_memos WHERE approval_id = $1', [approvalId]);
  return rows[0] ? { number: rows[0].number, amount: formatMoney(BigInt(rows[0].amount_minor)) } : null;
}

async function postMemo(client: PoolClient, input: IssueCreditMemoInput): Promise<IssuedCreditMemo> {
  const done = await existingMemo(client, input.approvalId);
  if (done) return done;

  const amount = parseMoney(input.amount);
  const { rows: invoices } = await client.query(
    'SELECT open_balance_minor, currency FROM invoices WHERE number = $1 FOR UPDATE',
    [input.invoiceNumber],
  );
  const invoice = invoices[0];
  if (!invoice) {
    throw ApplicationFailure.create({
      type: INVOICE_VANISHED,
      message: `invoice ${input.invoiceNumber} vanished from the ledger`,
      nonRetryable: true,
    });
  }
  const open = BigInt(invoice.open_balance_minor);
  if (amount > open) {
    throw ApplicationFailure.create({
      type: INSUFFICIENT_OPEN_BALANCE,
      message: `the open balance of ${input.invoiceNumber} is ${formatMoney(open)}, less than the approved ${input.amount}`,
      nonRetryable: true,
    });
  }
  const { rows: counter } = await client.query(
    'UPDATE credit_memo_counter SET last_value = last_value + 1 RETURNING last_value',
  );
  const number = formatCreditMemoNumber(BigInt(counter[0].last_value));
  await client.query(
    `INSERT INTO credit_memos (number, case_id, approval_id, invoice_number, amount_minor, currency, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [number, input.caseId, input.approvalId, input.invoiceNumber, amount, invoice.currency, input.slot.at],
  );
  await insertEvents(client, input.caseId, [
    {
      type: 'CREDIT_MEMO_ISSUED',
      actor: SYSTEM_ACTOR,
      seq: input.slot.seq,
      at: input.slot.at,
      data: { number, amount: input.amount, approvalId: input.approvalId, invoiceNumber: input.invoiceNumber },
    },
  ]);
  return { number, amount: formatMoney(amount) };
}
