// `npx tsx bench/big-evidence.ts`: the worst evidence answer, measured. One PO of 2,000 lines billed whole by 40
// invoices (each a duplicate of the others), a case opened on the last one; then the evidence route and the case
// detail are each asked 10 times at once while /health is asked every 50 ms: the bytes of one answer, the wall time
// of the 10, and the slowest /health meanwhile. The API and the worker run in processes of their own, as in
// production, so the figures are the API's and not this script's.
import { randomBytes } from 'node:crypto';
import { storeRecords } from '../api/records-import';
import type { RecordsImport } from '../contract';
import { createUser } from '../testkit/fixtures';
import { getFreePort } from '../infra/temporal-dev-server';
import { cleanup, provision, sleep, spawnNode } from './support';

const INVOICES = 40;
const LINES = 2_000;
const CONCURRENT = 10;

function scenario(): { records: RecordsImport; last: string } {
  const tag = randomBytes(3).toString('hex');
  const customerId = `CUST-${tag}`;
  const poId = `PO-${tag}`;
  const sku = (i: number) => `SKU-${String(i).padStart(5, '0')}`;
  const lines = Array.from({ length: LINES }, (_, i) => ({ lineNo: i + 1, sku: sku(i + 1), quantity: 1, unitPrice: '12.50' }));
  const invoices = Array.from({ length: INVOICES }, (_, n) => ({
    number: `INV-${tag}-${String(n + 1).padStart(3, '0')}`,
    customerId,
    purchaseOrderId: poId,
    issuedAt: new Date(Date.UTC(2026, 0, 1 + n)).toISOString(),
    dueAt: new Date(Date.UTC(2026, 1, 1 + n)).toISOString(),
    currency: 'USD',
    lines,
  }));
  return {
    records: {
      customers: [{ id: customerId, name: 'Big Buyer' }],
      contracts: [{ id: `CTR-${tag}`, customerId, currency: 'USD', validFrom: '2025-01-01', validTo: null, prices: lines.map((l) => ({ sku: l.sku, unitPrice: '12.50' })) }],
      purchaseOrders: [{ id: poId, customerId, contractId: `CTR-${tag}`, orderedAt: '2025-12-01T00:00:00Z', lines: lines.map((l) => ({ ...l, quantity: INVOICES })) }],
      invoices,
    },
    last: invoices[INVOICES - 1].number,
  };
}

interface Burst {
  bytes: number;
  wallMs: number;
  healthMaxMs: number;
  healthCount: number;
}

async function burst(url: string, path: string, token: string): Promise<Burst> {
  const once = async () => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.arrayBuffer()).byteLength;
  };
  await once(); // warm-up
  let running = true;
  const healthTimes: number[] = [];
  const health = (async () => {
    while (running) {
      const started = performance.now();
      await (await fetch(`${url}/health`)).arrayBuffer();
      healthTimes.push(performance.now() - started);
      await sleep(50);
    }
  })();
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: CONCURRENT }, once));
  const wallMs = performance.now() - started;
  running = false;
  await health;
  return { bytes: Math.max(...sizes), wallMs, healthMaxMs: Math.max(...healthTimes), healthCount: healthTimes.length };
}

async function main(): Promise<void> {
  const infra = await provision();
  const queue = `big-evidence-${randomBytes(4).toString('hex')}`;
  const env = { DATABASE_URL: infra.databaseUrl, TEMPORAL_ADDRESS: infra.temporalAddress, TEMPORAL_TASK_QUEUE: queue };
  const worker = spawnNode('bench/worker-process.ts', ['dispute'], env);
  const port = await getFreePort();
  spawnNode('api/main.ts', [], { ...env, PORT: String(port), LOG_LEVEL: 'warn', ADMIN_TOKEN: randomBytes(32).toString('base64url') });
  const url = `http://127.0.0.1:${port}`;
  await worker.ready;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(200);
  }

  const { records, last } = scenario();
  await storeRecords(infra.pool, records);
  const specialist = await createUser(infra.pool, 'specialist');
  const opened = await fetch(`${url}/api/disputes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${specialist.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ invoiceNumber: last, disputedAmount: '100.00', reasonCode: 'DUPLICATE_BILLING' }),
  });
  if (opened.status !== 201) throw new Error(`opening answered ${opened.status}: ${await opened.text()}`);
  const { id } = (await opened.json()) as { id: string };
  for (;;) {
    const { rows } = await infra.pool.query('SELECT evidence IS NOT NULL AS ready FROM cases WHERE id = $1', [id]);
    if (rows[0]?.ready) break;
    await sleep(500);
  }

  const results: Record<string, Burst> = {
    [`GET /api/invoices/${last}/evidence`]: await burst(url, `/api/invoices/${last}/evidence`, specialist.token),
    'GET /api/disputes/:id': await burst(url, `/api/disputes/${id}`, specialist.token),
  };
  console.log(`${INVOICES} invoices × ${LINES} lines on one PO; ${CONCURRENT} requests at once`);
  for (const [what, r] of Object.entries(results)) {
    console.log(
      `${what}: ${(r.bytes / 1024).toFixed(1)} KiB per answer, ${CONCURRENT} at once in ${r.wallMs.toFixed(0)} ms, ` +
        `slowest /health meanwhile ${r.healthMaxMs.toFixed(0)} ms (${r.healthCount} asked)`,
    );
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
