// Commands while no worker runs. Found: /health said ok, commands hung 15 s, then answered 503 "retry with the same
// Idempotency-Key" also to callers that sent none, and were applied later when a worker returned; a keyless retry
// then got 409 and could not know its first attempt worked. Now the API asks Temporal whether a worker polls the
// task queue: with none, a command is refused at once (503, Retry-After, the key to retry with), never sent, so
// nothing is applied later; after a worker returns, the retry with that key applies once. /health counts workers
// and stays ok. An opening is accepted: its workflow start is durable, and the case waits for a worker.
//
// A live worker that waits for work may not poll for up to a minute, so the API counts a worker live for 70 s
// after its last poll. Rather than wait that out, the refusals are asked of a second app on the same Temporal and
// database whose window is 1 s; the worker's return is seen by the harness's app, with the usual window.
import { eventually, startApi, type ApiHarness, type ServedApp } from '../support/api';
import { caseViaApi, cleanDispute, createCast, eventTypes, importViaApi, openCaseViaApi, recordTemporalCalls, type Cast } from '../support/faults';
import { runDisputeWorker } from '../support/temporal';

let api: ApiHarness;
let cast: Cast;
let strict: ServedApp;

beforeAll(async () => {
  api = await startApi();
  cast = await createCast(api.db.pool);
  strict = await api.serve({ validateResponses: true, rateLimit: false, workerProbe: { livenessMs: 1_000, cacheMs: 0 } });
}, 60_000);

afterAll(async () => {
  await api?.close();
});

const startWorker = () => runDisputeWorker({ namespace: api.db.name, taskQueue: api.taskQueue, pool: api.db.pool });

const health = async (url: string) => (await fetch(`${url}/health`)).json() as Promise<{ status: string; workers: number | null }>;

it('refuses commands at once while no worker runs, applies nothing later, and applies the retry with the answered key once', async () => {
  const fixture = cleanDispute();
  await importViaApi(api, cast.specialist, [fixture]);
  const first = await startWorker();
  const c = await openCaseViaApi(api, cast.specialist, fixture);
  await caseViaApi(api, cast.specialist, c, 'RESOLUTION', (d) => d.stage === 'RESOLUTION');
  await eventually('the worker counted', async () => ((await health(api.url)).workers! >= 1 ? true : undefined));
  await first.stop();
  expect(await eventually('no worker counted', async () => {
    const h = await health(strict.url);
    return h.workers === 0 ? h : undefined;
  })).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok', workers: 0 });

  const propose = (url: string, key?: string) =>
    fetch(`${url}/api/disputes/${c.id}/resolution`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cast.specialist.token}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify({ type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' }),
    });
  const calls = recordTemporalCalls(api.temporal);
  let refusedKey: string;
  try {
    const refused = await propose(strict.url);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    refusedKey = refused.headers.get('idempotency-key')!;
    expect(refusedKey).toMatch(/^[0-9a-f-]{36}$/);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining(`Idempotency-Key ${refusedKey}`), details: [] });
    expect(error.message).toMatch(/no worker/);

    const keyed = await propose(strict.url, 'my-key');
    expect({ status: keyed.status, key: keyed.headers.get('idempotency-key') }).toEqual({ status: 503, key: 'my-key' });
  } finally {
    jest.restoreAllMocks();
  }
  expect(calls).not.toContain('updateWorkflowExecution');
  expect(calls).not.toContain('pollWorkflowExecutionUpdate');

  // An opening goes through: its start is durable, and waits for a worker.
  const waiting = cleanDispute();
  await importViaApi(api, cast.specialist, [waiting]);
  const opened = await fetch(`${strict.url}/api/disputes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cast.specialist.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ invoiceNumber: waiting.invoiceNumber, disputedAmount: '10.00', reasonCode: 'PRICING' }),
  });
  expect(opened.status).toBe(201);
  const later = { ...((await opened.json()) as { id: string; caseNumber: string }), fixture: waiting };
  expect((await caseViaApi(api, cast.specialist, later, 'waiting', () => true)).stage).toBe('EVIDENCE');

  const second = await startWorker();
  try {
    expect(await eventually('a worker counted again', async () => ((await health(api.url)).workers! >= 1 ? true : undefined))).toBe(true);
    // The worker is back and working (the waiting opening moves on), and the refused proposal was never applied.
    await caseViaApi(api, cast.specialist, later, 'RESOLUTION', (d) => d.stage === 'RESOLUTION');
    expect(await eventTypes(api.db.pool, c.id)).not.toContain('RESOLUTION_PROPOSED');

    const retried = await propose(api.url, refusedKey);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotency-key')).toBe(refusedKey);
    const answer = await retried.json();
    expect(answer).toEqual(expect.objectContaining({ id: c.id, stage: 'APPROVAL' }));
    const again = await propose(api.url, refusedKey);
    expect({ status: again.status, body: await again.json() }).toEqual({ status: 200, body: answer });
    expect((await eventTypes(api.db.pool, c.id)).filter((t) => t === 'RESOLUTION_PROPOSED')).toHaveLength(1);
  } finally {
    await second.stop();
  }
}, 90_000);
