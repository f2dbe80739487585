// Money in (issue 11): payments posted and matched to invoices, the unapplied-cash worklist, deductions and a
// customer's open items. A body is posted in one transaction, whole or not at all; the database keeps the invoice's
// paid figure equal to its applications and refuses more than is open or left, whoever writes.
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { formatMoney, parseMoney } from '../../domain/money';
import { matchPayment, normaliseInvoiceNumber, referredKeys, type CandidateInvoice } from '../../domain/matching';
import type { PaymentInput } from '../../domain/payments';
import { Camt054Refused, readCamt054 } from '../../records/camt054';
import { DEDUCTION_COLUMNS, deductionOf } from '../../read-model/deductions';
import { IN_DISPUTE_SQL } from '../../read-model/invoices';
import { encodeCursor, preciseSql, sqlParams, type Queryable } from '../../read-model/sql';
import type {
  applyUnappliedRequest,
  applyUnappliedResponse,
  deductionListQuery,
  deductionListResponse,
  openItemsResponse,
  PostPaymentsBody,
  postPaymentsResponse,
  unappliedCashListResponse,
  unappliedCashQuery,
} from '../../contract';
import { toAppError } from '../error-answer';
import { AppError } from '../errors';
import { completeAnswer, keyed, oneAtATime, requestHash, type KeyedRequest } from '../idempotency';
import { checkedCursor, isTimestamp, isUuid } from '../paging';
import type { CommandUseCaseContext, UseCaseContext } from './context';
import { disputeDeductions, writeOffByRule, type PostedDeduction } from './deduction-cases';
import { latestMappings, reasonOf } from './reason-mappings';

type Counts = z.input<typeof postPaymentsResponse>;

/** A JSON body's payments in the one shape the matcher takes (domain/payments.ts). */
export function paymentsOfBody(body: PostPaymentsBody): PaymentInput[] {
  return body.payments.map((p) => ({
    id: p.id,
    customerId: p.customerId ?? null,
    receivedAt: p.receivedAt,
    currency: p.currency,
    amountMinor: parseMoney(p.amount),
    remittance: p.remittance.map((l) => ({
      documentNumber: l.invoiceNumber,
      paidMinor: parseMoney(l.paid),
      deductions: (l.deductions ?? []).map((d) => ({
        amountMinor: parseMoney(d.amount),
        customerCode: d.reasonCode,
        reference: d.reference ?? null,
        note: d.note ?? null,
      })),
    })),
    searchTexts: [],
    debtorName: null,
    source: { kind: 'json' },
  }));
}

/** A camt.054 file's credit transactions as payments; a file it cannot trust is refused whole, naming the element. */
export async function paymentsOfCamt054(xml: string, fileSha256: string): Promise<PaymentInput[]> {
  try {
    return await readCamt054(xml, fileSha256);
  } catch (err) {
    if (!(err instanceof Camt054Refused)) throw err;
    const where = err.line === null ? '' : ` (line ${err.line})`;
    throw AppError.badRequest(`the camt.054 file is refused: ${err.message}${where}`, [{ field: err.field, message: err.message, in: 'body' }]);
  }
}

/** What a payment says, hashed: the same id with another hash is another payment (422). */
function contentHash(p: PaymentInput): string {
  const { source: _source, ...content } = p;
  return createHash('sha256')
    .update(JSON.stringify(content, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');
}

/**
 * Posts payments: each new payment is matched (domain/matching.ts) against its candidate invoices, read FOR UPDATE,
 * and written with its applications, deductions and unapplied cash. A payment posted before changes nothing; the
 * same id with other content refuses the whole body. Answers what this call newly did.
 */
export function postPayments(ctx: CommandUseCaseContext, { payments }: { payments: PaymentInput[] }): Promise<Counts> {
  // Each payment's hash once: the request's is made of them, and each is stored with its payment.
  const hashes = payments.map(contentHash);
  const request: KeyedRequest = {
    command: 'payments',
    caseId: null,
    hash: requestHash(payments.map((p, i) => [p.id, hashes[i]])),
  };
  // One posting of the same payments at a time, whatever its key: a retry racing the first posting must not answer
  // before its cases are counted, nor another key's posting open the same deductions' cases beside it.
  return oneAtATime(ctx.deps.pool, `payments:${request.hash}`, () => postAndDispute(ctx, request, payments, hashes));
}

async function postAndDispute(
  ctx: CommandUseCaseContext,
  request: KeyedRequest,
  payments: PaymentInput[],
  hashes: readonly string[],
): Promise<Counts> {
  const posted = await postOnce(ctx, request, payments, hashes);
  // Also when this call posted nothing new: the same payments posted again finish what a crash left undone.
  const casesOpened = await disputeDeductions(ctx.deps, payments.map((p) => p.id)).catch((err: unknown) => {
    const mapped = toAppError(err);
    if (mapped?.status !== 503) throw err;
    throw AppError.unavailable(
      `the payments are posted, but their deductions' cases could not all be opened (${mapped.message}): ` +
        `post them again with Idempotency-Key ${ctx.idempotencyKey} to finish`,
      err,
    );
  });
  if (!casesOpened) return posted;
  const answer = { ...posted, casesOpened: posted.casesOpened + casesOpened };
  await completeAnswer(ctx, answer);
  return answer;
}

async function postOnce(
  ctx: CommandUseCaseContext,
  request: KeyedRequest,
  payments: PaymentInput[],
  hashes: readonly string[],
): Promise<Counts> {
  return keyed(ctx, request, async (client) => {
    const counts: Counts = { payments: 0, applied: 0, deductions: 0, casesOpened: 0, unapplied: 0 };
    const customers = [...new Set(payments.flatMap((p) => (p.customerId ? [p.customerId] : [])))];
    const { rows: known } = await client.query('SELECT id FROM customers WHERE id = ANY($1)', [customers]);
    const knownIds = new Set(known.map((r) => r.id as string));
    payments.forEach((p, i) => {
      if (p.customerId && !knownIds.has(p.customerId)) throw AppError.unprocessable(`payments.${i}.customerId`, `no customer ${p.customerId}`);
    });

    // Ids in order, so that two bodies sharing payments wait for each other rather than deadlock.
    const order = payments.map((p, i) => ({ p, i })).sort((a, b) => (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0));
    const fresh = new Set<PaymentInput>();
    for (const { p, i } of order) {
      const hash = hashes[i];
      const { rowCount } = await client.query(
        `INSERT INTO payments (id, customer_id, currency, amount_minor, received_at, source, file_sha256, content_hash, posted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [p.id, p.customerId, p.currency, p.amountMinor.toString(), p.receivedAt, p.source.kind,
         p.source.kind === 'camt054' ? p.source.fileSha256 : null, hash, ctx.user.id],
      );
      if (rowCount) {
        fresh.add(p);
        continue;
      }
      const { rows } = await client.query('SELECT content_hash FROM payments WHERE id = $1', [p.id]);
      if (rows[0].content_hash !== hash) {
        throw AppError.unprocessable(`payments.${i}.id`, `payment ${p.id} was posted before with other content`);
      }
    }
    const posting = payments.filter((p) => fresh.has(p));
    if (!posting.length) return counts;

    // Every candidate of the body at once, in number order: one lock order for every poster.
    const referred = posting.map(referredKeys);
    const { rows: invoiceRows } = await client.query(
      `SELECT number, customer_id, currency, open_balance_minor::text AS open FROM invoices
        WHERE number = ANY($1) OR invoice_number_key(number) = ANY($2) ORDER BY number FOR UPDATE`,
      [referred.flatMap((r) => r.numbers), referred.flatMap((r) => r.keys)],
    );
    const open = new Map<string, CandidateInvoice>(
      invoiceRows.map((r) => [r.number, { number: r.number, customerId: r.customer_id, currency: r.currency, openMinor: BigInt(r.open) }]),
    );

    // The mappings as they are now: a PUT after this posting maps later deductions, never these.
    const mappings = await latestMappings(client, [...open.values()].map((i) => i.customerId));

    // Each payment is matched against the invoices it refers to, not all of the body's (10,000 payments of a bank
    // file each matched against its 10,000 invoices took minutes): its look-ups, by number and by key, find the same.
    const numbersByKey = new Map<string, string[]>();
    for (const number of open.keys()) {
      const key = normaliseInvoiceNumber(number);
      numbersByKey.set(key, [...(numbersByKey.get(key) ?? []), number]);
    }
    // What the matcher decides is written after it, a table at a time (insertRows), in the order it decided it.
    const rows = { applications: [] as unknown[][], deductions: [] as unknown[][], unapplied: [] as unknown[][] };
    const deductions: PostedDeduction[] = [];
    posting.forEach((p, k) => {
      const referring = new Set([...referred[k].numbers.filter((n) => open.has(n)), ...referred[k].keys.flatMap((key) => numbersByKey.get(key) ?? [])]);
      const match = matchPayment(p, [...referring].map((n) => open.get(n)!));
      for (const a of match.applications) {
        const invoice = open.get(a.invoiceNumber)!;
        open.set(a.invoiceNumber, { ...invoice, openMinor: invoice.openMinor - a.amountMinor });
        rows.applications.push([p.id, a.invoiceNumber, a.amountMinor.toString()]);
      }
      for (const d of match.deductions) {
        const { reasonCode, mappingVersion } = reasonOf(mappings.get(open.get(d.invoiceNumber)!.customerId), d.customerCode);
        const id = randomUUID();
        deductions.push({ id, invoiceNumber: d.invoiceNumber, amountMinor: d.amountMinor });
        rows.deductions.push([id, p.id, d.invoiceNumber, d.ordinal, d.amountMinor.toString(), d.customerCode, reasonCode, mappingVersion, d.reference, d.note]);
      }
      if (match.unappliedMinor > 0n) {
        const reference = [...p.remittance.map((l) => l.documentNumber), ...p.searchTexts].join(', ').slice(0, 500) || null;
        rows.unapplied.push([randomUUID(), p.id, match.customerId, p.currency, match.unappliedMinor.toString(), reference]);
        counts.unapplied++;
      }
      counts.payments++;
      counts.applied += match.applications.length;
      counts.deductions += match.deductions.length;
    });
    await insertRows(client, 'payment_applications (payment_id, invoice_number, amount_minor)', ['text', 'text', 'bigint'], rows.applications);
    await insertRows(
      client,
      'deductions (id, payment_id, invoice_number, ordinal, amount_minor, customer_code, reason_code, mapping_version, reference, note)',
      ['uuid', 'text', 'text', 'int', 'bigint', 'text', 'text', 'int', 'text', 'text'],
      rows.deductions,
    );
    await insertRows(
      client,
      'unapplied_cash (id, payment_id, customer_id, currency, amount_minor, reference)',
      ['uuid', 'text', 'text', 'text', 'bigint', 'text'],
      rows.unapplied,
    );
    // Below AUTO_WRITE_OFF_MAX a deduction is written off by rule; the others wait for their cases.
    await writeOffByRule(client, ctx.deps, deductions);
    return counts;
  });
}

/** Each row fires the posting triggers: a statement of this many ends well within the pool's statement timeout. */
const ROWS_PER_STATEMENT = 1_000;

/**
 * Rows into `target`, ROWS_PER_STATEMENT a statement, each row's values in the order of `types`. unnest gives them
 * back in array order, so the insert triggers (the application's posting) run in the same order as row by row.
 */
async function insertRows(client: Queryable, target: string, types: readonly string[], rows: readonly unknown[][]): Promise<void> {
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(from, from + ROWS_PER_STATEMENT);
    await client.query(
      `INSERT INTO ${target} SELECT * FROM unnest(${types.map((type, c) => `$${c + 1}::${type}[]`).join(', ')})`,
      types.map((_, c) => chunk.map((row) => row[c])),
    );
  }
}

const UNAPPLIED_COLUMNS = `u.id, u.payment_id AS "paymentId", u.customer_id AS "customerId",
  (u.amount_minor - u.applied_minor)::text AS left_minor, u.currency, u.reference`;

function unappliedOut(r: { id: string; paymentId: string; customerId: string | null; left_minor: string; currency: string; reference: string | null }) {
  return { id: r.id, paymentId: r.paymentId, customerId: r.customerId, amount: formatMoney(BigInt(r.left_minor)), currency: r.currency, reference: r.reference };
}

/** What is left of payments no invoice took, newest first: the worklist a person applies from. */
export async function listUnappliedCash(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof unappliedCashQuery> },
): Promise<z.input<typeof unappliedCashListResponse>> {
  const { values, add } = sqlParams();
  const where = ['u.applied_minor < u.amount_minor'];
  if (query.customerId) where.push(`u.customer_id = ${add(query.customerId)}`);
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    where.push(`(u.created_at, u.id) < (${add(at)}::timestamptz, ${add(id)}::uuid)`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT ${UNAPPLIED_COLUMNS}, ${preciseSql('u.created_at')} AS cursor_at FROM unapplied_cash u
      WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC LIMIT ${add(query.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page.map(unappliedOut), nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null };
}

/**
 * Applies unapplied cash to an invoice of the payment's customer (a payment no invoice matched takes the customer of
 * the first it is applied to), in its currency: more than is left, or than the invoice has open, is a 409.
 */
export async function applyUnappliedCash(
  ctx: CommandUseCaseContext,
  { id, body }: { id: string; body: z.output<typeof applyUnappliedRequest> },
): Promise<z.input<typeof applyUnappliedResponse>> {
  if (!isUuid(id)) throw AppError.notFound(`no unapplied cash ${id}`);
  const amount = parseMoney(body.amount);
  const request: KeyedRequest = { command: 'apply-unapplied', caseId: null, hash: requestHash({ target: id, body }) };
  return keyed(ctx, request, async (client) => {
    // The role cannot lock the row (it holds no UPDATE on it): applications of one cash wait for each other here.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('unapplied-cash:' || $1, 0))`, [id]);
    const { rows } = await client.query(
      `SELECT u.payment_id, (u.amount_minor - u.applied_minor) AS left_minor, u.currency, p.customer_id
         FROM unapplied_cash u JOIN payments p ON p.id = u.payment_id WHERE u.id = $1`,
      [id],
    );
    const cash = rows[0];
    if (!cash) throw AppError.notFound(`no unapplied cash ${id}`);
    const { rows: invoices } = await client.query(
      'SELECT customer_id, currency, open_balance_minor FROM invoices WHERE number = $1 FOR UPDATE',
      [body.invoiceNumber],
    );
    const invoice = invoices[0];
    if (!invoice) throw AppError.unprocessable('invoiceNumber', `no invoice ${body.invoiceNumber}`);
    if (invoice.currency !== cash.currency) {
      throw AppError.unprocessable('invoiceNumber', `invoice ${body.invoiceNumber} is in ${invoice.currency}, the cash in ${cash.currency}`);
    }
    if (cash.customer_id !== null && invoice.customer_id !== cash.customer_id) {
      throw AppError.unprocessable('invoiceNumber', `invoice ${body.invoiceNumber} is not of customer ${cash.customer_id}`);
    }
    if (amount > BigInt(cash.left_minor)) {
      throw AppError.conflict(`only ${formatMoney(BigInt(cash.left_minor))} of this cash is left to apply`, 'UNAPPLIED_EXCEEDED');
    }
    if (amount > BigInt(invoice.open_balance_minor)) {
      throw AppError.conflict(`invoice ${body.invoiceNumber} has only ${formatMoney(BigInt(invoice.open_balance_minor))} open`, 'OVER_OPEN_BALANCE');
    }
    await client.query(
      `INSERT INTO payment_applications (payment_id, invoice_number, amount_minor, applied_by, unapplied_id) VALUES ($1, $2, $3, $4, $5)`,
      [cash.payment_id, body.invoiceNumber, amount.toString(), ctx.user.id, id],
    );
    const { rows: after } = await client.query(`SELECT ${UNAPPLIED_COLUMNS} FROM unapplied_cash u WHERE u.id = $1`, [id]);
    return unappliedOut(after[0]);
  });
}

/** Deductions, newest first; a customer's are those on its invoices. */
export async function listDeductions(
  ctx: UseCaseContext,
  { query }: { query: z.output<typeof deductionListQuery> },
): Promise<z.input<typeof deductionListResponse>> {
  const { values, add } = sqlParams();
  const where: string[] = [];
  if (query.status) where.push(`d.status = ${add(query.status)}`);
  if (query.customerId) where.push(`i.customer_id = ${add(query.customerId)}`);
  if (query.cursor) {
    const [at, id] = checkedCursor(query.cursor, (v) => v.length === 2 && isTimestamp(v[0]) && isUuid(v[1]));
    where.push(`(d.created_at, d.id) < (${add(at)}::timestamptz, ${add(id)}::uuid)`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT ${DEDUCTION_COLUMNS}, ${preciseSql('d.created_at')} AS cursor_at
       FROM deductions d JOIN invoices i ON i.number = d.invoice_number
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY d.created_at DESC, d.id DESC LIMIT ${add(query.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(deductionOf),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}

/** A customer's open invoices, earliest due first, with what is disputed and whether dunning holds off. */
export async function customerOpenItems(ctx: UseCaseContext, { customerId }: { customerId: string }): Promise<z.input<typeof openItemsResponse>> {
  const { pool } = ctx.deps;
  const { rowCount } = await pool.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  if (!rowCount) throw AppError.notFound(`no customer ${customerId}`);
  const { rows } = await pool.query(
    `SELECT i.number, i.currency, i.open_balance_minor::text AS open_minor, (${IN_DISPUTE_SQL})::text AS in_dispute_minor,
            EXISTS (SELECT 1 FROM case_items ci JOIN cases c ON c.id = ci.case_id
                     WHERE ci.invoice_number = i.number AND c.status = 'OPEN') AS case_open
       FROM invoices i WHERE i.customer_id = $1 AND i.open_balance_minor > 0
      ORDER BY i.due_at, i.number`,
    [customerId],
  );
  return {
    items: rows.map((r) => {
      const openMinor = BigInt(r.open_minor);
      const collectible = openMinor - BigInt(r.in_dispute_minor);
      return {
        invoiceNumber: r.number,
        currency: r.currency,
        openBalance: formatMoney(openMinor),
        inDispute: formatMoney(BigInt(r.in_dispute_minor)),
        collectible: formatMoney(collectible),
        dunningHold: collectible === 0n && r.case_open,
      };
    }),
  };
}
