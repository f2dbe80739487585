// R6 a big case: the cost per line of one case of many invoices (200 lines each, one customer) against the cost per
// line of a 20-line case, both taken through the same steps over HTTP: opened by items, every task completed, an
// ADJUST resolution proposed (a credit per invoice, spread over its lines) and approved, until the case is CLOSED.
// Its records are imported untimed beforehand. The largest event of the big case's workflow history is read through
// the Temporal client: Temporal refuses a payload over 2 MB and warns from 256 KB, so per-line data must stay out of it.
import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { storeRecords } from '../api/records-import';
import type { RecordsImport } from '../contract';
import { createUser, type TestUser } from '../testkit/fixtures';
import { compare, interleave, median, progress, sleep, startApi, type BenchContext, type SectionResult } from './support';

const LINES_PER_INVOICE = 200;
const SMALL_LINES = 20;
const MAX_EVENT_BYTES = 256 * 1024;

interface Shape {
  invoices: number;
  linesPerInvoice: number;
}

interface Life {
  lines: number;
  ms: number;
  /** The bytes of the largest event in the case's workflow history, encoded as the server stores it. */
  largestEventBytes: number;
  /** Its type, as the server names it (e.g. EVENT_TYPE_WORKFLOW_EXECUTION_STARTED). */
  largestEventType: string;
  events: number;
  /** Where the time went, in ms: opening to its tasks, completing them, proposing and approving, then to CLOSED. */
  steps: { open: number; tasks: number; decide: number; close: number };
}

/** One customer, one contract priced below what the invoices bill, one PO; every line of every invoice disputed. */
function records(shape: Shape): RecordsImport & { invoices: NonNullable<RecordsImport['invoices']> } {
  const tag = randomBytes(4).toString('hex');
  const customerId = `CUST-R6-${tag}`;
  const poId = `PO-R6-${tag}`;
  const sku = (i: number) => `SKU-${String(i).padStart(4, '0')}`;
  const lines = Array.from({ length: shape.linesPerInvoice }, (_, i) => ({ lineNo: i + 1, sku: sku(i + 1), quantity: 1, unitPrice: '12.50' }));
  return {
    customers: [{ id: customerId, name: 'R6 Buyer' }],
    contracts: [
      { id: `CTR-R6-${tag}`, customerId, currency: 'USD', validFrom: '2025-01-01', validTo: null, prices: lines.map((l) => ({ sku: l.sku, unitPrice: '10.00' })) },
    ],
    purchaseOrders: [
      { id: poId, customerId, contractId: `CTR-R6-${tag}`, orderedAt: '2025-12-01T00:00:00Z', lines: lines.map((l) => ({ ...l, quantity: shape.invoices })) },
    ],
    invoices: Array.from({ length: shape.invoices }, (_, n) => ({
      number: `INV-R6-${tag}-${String(n + 1).padStart(3, '0')}`,
      customerId,
      purchaseOrderId: poId,
      issuedAt: new Date(Date.UTC(2026, 0, 1 + n)).toISOString(),
      dueAt: new Date(Date.UTC(2026, 2, 1 + n)).toISOString(),
      currency: 'USD',
      lines,
    })),
  };
}

/** What each invoice disputes and is credited: 2.50 a line, the price over the contract's. */
const perInvoice = (shape: Shape) => (shape.linesPerInvoice * 2.5).toFixed(2);

export async function runR6(ctx: BenchContext): Promise<SectionResult> {
  const big: Shape = { invoices: Number(process.env.BENCH_R6_INVOICES ?? (ctx.full ? 50 : 10)), linesPerInvoice: LINES_PER_INVOICE };
  const small: Shape = { invoices: 1, linesPerInvoice: SMALL_LINES };
  const api = await startApi(ctx);
  const { pool, client } = ctx.infra;
  const { specialist, manager } = ctx.driver.actors;
  const teams: Record<string, TestUser> = {
    SALES_OPS: ctx.driver.actors.salesOps,
    ORDER_MANAGEMENT: await createUser(pool, 'ops', { team: 'ORDER_MANAGEMENT' }),
  };

  // A command the case has not answered in time is a 503 carrying its Idempotency-Key; a client sends it again
  // under that key, as this does (counted: each one is a miss the figure includes).
  let retried = 0;
  const post = async (path: string, token: string, body: unknown, expected: number) => {
    let key: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(api.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status === expected) return JSON.parse(text) as Record<string, unknown>;
      key = res.headers.get('idempotency-key') ?? undefined;
      if (res.status !== 503 || !key || attempt === 10) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 500)}`);
      retried++;
    }
  };
  // The read model is what the inbox and the case page show: a step is possible once it says so.
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = performance.now() + 600_000;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (performance.now() > deadline) throw new Error(`R6: timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  const stageOf = async (id: string) => (await pool.query<{ stage: string; status: string }>('SELECT stage, status FROM cases WHERE id = $1', [id])).rows[0];

  const life = async (shape: Shape): Promise<Life> => {
    const recs = records(shape);
    await storeRecords(pool, recs);
    const invoices = recs.invoices.map((i) => i.number);
    const amount = perInvoice(shape);

    const started = performance.now();
    const opened = await post('/api/disputes', specialist.token, { reasonCode: 'PRICING', items: invoices.map((invoiceNumber) => ({ invoiceNumber, disputedAmount: amount })) }, 201);
    const id = String(opened.id);
    await until('its investigation', async () => ((await stageOf(id))?.stage === 'INVESTIGATION' ? true : undefined));
    const { rows: tasks } = await pool.query<{ id: string; team: string }>(`SELECT id, team FROM tasks WHERE case_id = $1 AND status = 'OPEN'`, [id]);
    const investigating = performance.now();
    if (!tasks.length) throw new Error(`R6: case ${id} investigates with no open task`);
    for (const t of tasks) {
      const by = teams[t.team];
      if (!by) throw new Error(`R6: a task for team ${t.team}, which the bench has no user of`);
      await post(`/api/tasks/${t.id}/complete`, by.token, { outcome: 'CONFIRMED', note: 'billed above the contract' }, 200);
    }
    await until('its resolution', async () => ((await stageOf(id))?.stage === 'RESOLUTION' ? true : undefined));
    const resolving = performance.now();
    await post(
      `/api/disputes/${id}/resolution`,
      specialist.token,
      { type: 'ADJUST', rootCause: 'PRICING_SETUP', adjustments: invoices.map((invoiceNumber) => ({ kind: 'CREDIT', invoiceNumber, amount })) },
      200,
    );
    await post(`/api/disputes/${id}/decision`, manager.token, { decision: 'APPROVE' }, 200);
    const approved = performance.now();
    await until('its closing', async () => ((await stageOf(id))?.status === 'CLOSED' ? true : undefined));
    const ms = performance.now() - started;

    const { rows: docs } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM adjustments WHERE case_id = $1`, [id]);
    if (docs[0].n !== shape.invoices) throw new Error(`R6: case ${id} closed with ${docs[0].n} documents, not ${shape.invoices}`);

    const { rows } = await pool.query<{ workflow_id: string }>('SELECT workflow_id FROM cases WHERE id = $1', [id]);
    const history = await client.workflow.getHandle(rows[0].workflow_id).fetchHistory();
    const events = history.events ?? [];
    const sizes = events.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
    const at = sizes.indexOf(Math.max(...sizes));
    return {
      lines: shape.invoices * shape.linesPerInvoice,
      ms,
      largestEventBytes: sizes[at],
      largestEventType: temporal.api.enums.v1.EventType[events[at]?.eventType ?? 0] ?? 'unknown',
      events: sizes.length,
      steps: { open: investigating - started, tasks: resolving - investigating, decide: approved - resolving, close: started + ms - approved },
    };
  };

  const bigLines = big.invoices * big.linesPerInvoice;
  progress(`R6: one case of ${big.invoices} invoices × ${big.linesPerInvoice} lines (${bigLines} lines) against one of ${SMALL_LINES} lines, per round`);
  const rounds = await interleave(ctx.rounds, () => life(big), () => life(small), 'R6');
  await api.close();

  const perLine = (l: Life) => l.ms / l.lines;
  const kept = rounds.slice(1);
  const largest = Math.max(...kept.map((r) => r.a.largestEventBytes));
  return {
    id: 'R6',
    title: 'a big case',
    comparisons: [
      compare(
        'R6',
        `ms per line, ${bigLines} lines vs ${SMALL_LINES}`,
        'ms',
        rounds.map((r) => ({ a: perLine(r.a), b: perLine(r.b) })),
        { text: '≤ 1.5×', maxRatio: 1.5 },
      ),
      compare(
        'R6',
        `largest history event, ${bigLines} lines`,
        'KiB',
        rounds.map((r) => ({ a: r.a.largestEventBytes / 1024, b: r.b.largestEventBytes / 1024 })),
        { text: 'A ≤ 256 KiB', maxA: MAX_EVENT_BYTES / 1024 },
      ),
    ],
    info: [
      `R6: opening by ${big.invoices} items to CLOSED with ${big.invoices} credit memos, over HTTP; the largest event of a big case's history ` +
        `${(largest / 1024).toFixed(1)} KiB (${kept[0]?.a.largestEventType}) of ${kept[0]?.a.events ?? 0} events (the small case's: ${(Math.max(...kept.map((r) => r.b.largestEventBytes)) / 1024).toFixed(1)} KiB); ` +
        `big case ${(median(kept.map((r) => r.a.ms)) / 1000).toFixed(1)} s, small ${median(kept.map((r) => r.b.ms)).toFixed(0)} ms (medians); ` +
        `big case's steps (medians, s): ${(['open', 'tasks', 'decide', 'close'] as const).map((k) => `${k} ${(median(kept.map((r) => r.a.steps[k])) / 1000).toFixed(1)}`).join(', ')}; ` +
        `${retried} commands sent again after a 503 (the case did not answer in time)`,
    ],
    raw: rounds,
  };
}
