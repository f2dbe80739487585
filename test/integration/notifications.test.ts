// Notifications leave through the signed webhook, a workflow per notification: to a real HTTP receiver on this
// machine, from a real worker. A task reaches its team's active ops users once, signed; a receiver failing twice gets
// the same notification (same id) until it takes it; one refusing it gets it once, and it is FAILED; an approval
// waiting names the managers who may decide. The projection's choice of recipients for the plan's events is checked
// on the read model itself.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_HEADERS, notificationSignature, webhookSender } from '../../activities/notify';
import { recordEvents } from '../../activities/trail';
import { storeRecords } from '../../api/records-import';
import type { NotificationMessage } from '../../contract';
import type { CaseEvent, RecordedEvent } from '../../domain/events';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { keepHistory, runDisputeWorker, type RunningWorker } from '../support/temporal';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

const SECRET = randomUUID() + randomUUID();

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  message: NotificationMessage;
  status: number;
}

/** The webhook's receiver: answers 200 unless told to answer the next notification otherwise. */
class Receiver {
  readonly requests: Received[] = [];
  private scripts: number[][] = [];
  private scriptOf = new Map<string, number[]>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const message = JSON.parse(body) as NotificationMessage;
        if (!receiver.scriptOf.has(message.id)) receiver.scriptOf.set(message.id, receiver.scripts.shift() ?? []);
        const status = receiver.scriptOf.get(message.id)!.shift() ?? 200;
        receiver.requests.push({ headers: req.headers, body, message, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/ar`;
  }

  /** The next notification not seen yet is answered with these statuses, in order, then 200. */
  answerNext(statuses: number[]): void {
    this.scripts.push(statuses);
  }

  of(notificationId: string): Received[] {
    return this.requests.filter((r) => r.message.id === notificationId);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let api: ApiHarness;
let worker: RunningWorker;
let receiver: Receiver;
let specialist: TestUser;
let salesOps: TestUser;
let idleSalesOps: TestUser;
let orderOps: TestUser;
let managerA: TestUser;
let managerB: TestUser;
let retiredManager: TestUser;
const person = (u: TestUser) => ({ id: u.id, name: u.name });
const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

beforeAll(async () => {
  [api, receiver] = await Promise.all([startApi(), Receiver.start()]);
  worker = await runDisputeWorker({
    namespace: api.db.name,
    taskQueue: api.taskQueue,
    pool: api.db.pool,
    sender: webhookSender({ url: receiver.url, secret: SECRET, timeoutMs: 5_000 }),
  });
  [specialist, salesOps, idleSalesOps, orderOps, managerA, managerB, retiredManager] = await Promise.all([
    api.user('specialist'),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'SALES_OPS' }),
    api.user('ops', { team: 'ORDER_MANAGEMENT' }),
    api.user('manager'),
    api.user('manager'),
    api.user('manager'),
  ]);
  await api.db.pool.query('UPDATE users SET active = false WHERE id = ANY($1::uuid[])', [[idleSalesOps.id, retiredManager.id]]);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await receiver?.close();
});

interface ListedNotification {
  id: string;
  kind: string;
  recipients: { id: string; name: string }[];
  status: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
}

async function openPricingCase(): Promise<{ id: string; caseNumber: string; workflowId: string }> {
  const fixture = pricingDispute();
  expect((await api.request('POST', '/api/records/import', { token: specialist.token, body: fixture.records })).status).toBe(200);
  const opened = await api.request('POST', '/api/disputes', {
    token: specialist.token,
    body: { invoiceNumber: fixture.invoiceNumber, disputedAmount: '100.00', reasonCode: 'PRICING' },
  });
  expect(opened.status).toBe(201);
  return opened.body;
}

async function notificationOf(caseId: string, kind: string): Promise<ListedNotification> {
  return eventually(`the case's ${kind} notification`, async () => {
    const res = await api.request<{ items: ListedNotification[] }>('GET', `/api/disputes/${caseId}/notifications`, { token: specialist.token });
    expect(res.status).toBe(200);
    return res.body.items.find((n) => n.kind === kind);
  });
}

/** The delivery's own outcome: its workflow's result, SENT or FAILED. */
const delivery = (notificationId: string): Promise<string> => api.temporal.workflow.getHandle(`notify:${notificationId}`).result();

async function listed(caseId: string, notificationId: string, token = specialist.token): Promise<ListedNotification | undefined> {
  const res = await api.request<{ items: ListedNotification[] }>('GET', `/api/disputes/${caseId}/notifications`, { token });
  return res.body.items.find((n) => n.id === notificationId);
}

let firstCase: { id: string; caseNumber: string; workflowId: string };

it("sends a task's team one signed POST naming its active ops users", async () => {
  firstCase = await openPricingCase();
  const raised = await notificationOf(firstCase.id, 'TASK_ASSIGNED');
  expect(await delivery(raised.id)).toBe('SENT');

  const [received] = receiver.of(raised.id);
  expect(receiver.of(raised.id)).toHaveLength(1);
  const { headers, body, message } = received;
  expect(headers['content-type']).toBe('application/json');
  expect(headers[WEBHOOK_HEADERS.id]).toBe(raised.id);
  const timestamp = String(headers[WEBHOOK_HEADERS.timestamp]);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(600);
  expect(headers[WEBHOOK_HEADERS.signature]).toBe(notificationSignature(SECRET, timestamp, body));
  expect(message).toEqual({
    id: raised.id,
    kind: 'TASK_ASSIGNED',
    caseNumber: firstCase.caseNumber,
    caseId: firstCase.id,
    workflowId: firstCase.workflowId,
    link: `/cases/${firstCase.caseNumber}`,
    title: expect.stringContaining(firstCase.caseNumber),
    dueAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    recipients: [person(salesOps)],
  });

  expect(await listed(firstCase.id, raised.id)).toEqual({
    id: raised.id,
    kind: 'TASK_ASSIGNED',
    recipients: [person(salesOps)],
    status: 'SENT',
    attempts: 1,
    createdAt: expect.any(String),
    sentAt: expect.any(String),
  });
  // Read like the case: the team's ops see it, another team's get 404.
  expect(await listed(firstCase.id, raised.id, salesOps.token)).toEqual(expect.objectContaining({ status: 'SENT' }));
  expect((await api.request('GET', `/api/disputes/${firstCase.id}/notifications`, { token: orderOps.token })).status).toBe(404);
}, 120_000);

it('tries again after 500s, with the same notification id, until the receiver takes it once', async () => {
  receiver.answerNext([500, 500]);
  const opened = await openPricingCase();
  const raised = await notificationOf(opened.id, 'TASK_ASSIGNED');
  expect(await delivery(raised.id)).toBe('SENT');

  const attempts = receiver.of(raised.id);
  expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  expect(new Set(attempts.map((a) => a.headers[WEBHOOK_HEADERS.id]))).toEqual(new Set([raised.id]));
  for (const a of attempts) {
    expect(a.headers[WEBHOOK_HEADERS.signature]).toBe(notificationSignature(SECRET, String(a.headers[WEBHOOK_HEADERS.timestamp]), a.body));
  }
  expect(await listed(opened.id, raised.id)).toEqual(expect.objectContaining({ status: 'SENT', attempts: 3, sentAt: expect.any(String) }));
  await keepHistory(api.temporal.workflow.getHandle(`notify:${raised.id}`), 'notification-retried');
}, 120_000);

it('gives up at once when the receiver refuses with a 400: FAILED after one attempt, the error kept', async () => {
  receiver.answerNext([400]);
  const opened = await openPricingCase();
  const raised = await notificationOf(opened.id, 'TASK_ASSIGNED');
  expect(await delivery(raised.id)).toBe('FAILED');

  expect(receiver.of(raised.id).map((a) => a.status)).toEqual([400]);
  expect(await listed(opened.id, raised.id)).toEqual(expect.objectContaining({ status: 'FAILED', attempts: 1, sentAt: null }));
  const { rows } = await api.db.pool.query('SELECT last_error FROM notifications WHERE id = $1', [raised.id]);
  expect(rows[0].last_error).toBe('webhook answered 400');
  await keepHistory(api.temporal.workflow.getHandle(`notify:${raised.id}`), 'notification-refused');
}, 120_000);

it('tells the active managers, not the proposer, that an approval waits', async () => {
  const { body: c } = await api.request('GET', `/api/disputes/${firstCase.id}`, { token: specialist.token });
  const completed = await api.request('POST', `/api/tasks/${c.tasks[0].id}/complete`, { token: salesOps.token, body: { outcome: 'CONFIRMED', note: 'checked' } });
  expect(completed.status).toBe(200);
  const proposed = await api.request('POST', `/api/disputes/${firstCase.id}/resolution`, {
    token: specialist.token,
    body: { type: 'CREDIT', amount: '100', rootCause: 'PRICING_SETUP' },
  });
  expect(proposed.status).toBe(200);

  const raised = await notificationOf(firstCase.id, 'APPROVAL_WAITING');
  expect(await delivery(raised.id)).toBe('SENT');
  const [received] = receiver.of(raised.id);
  expect(received.headers[WEBHOOK_HEADERS.signature]).toBe(notificationSignature(SECRET, String(received.headers[WEBHOOK_HEADERS.timestamp]), received.body));
  expect(received.message).toEqual(expect.objectContaining({ kind: 'APPROVAL_WAITING', caseNumber: firstCase.caseNumber, link: `/cases/${firstCase.caseNumber}` }));
  expect(received.message.dueAt).toBeUndefined();
  expect([...received.message.recipients].sort(byId)).toEqual([person(managerA), person(managerB)].sort(byId));
  const named = received.message.recipients.map((r) => r.id);
  expect(named).not.toContain(specialist.id);
  expect(named).not.toContain(retiredManager.id);
}, 120_000);

describe('whom the projection names (the trail written directly, no workflow)', () => {
  const system = { id: 'system', name: 'system' };

  /** A case's trail up to a proposal by `proposer`, then `more`; each batch written twice, as a retried activity does. */
  async function trail(proposer: TestUser, more: (ev: (e: CaseEvent) => RecordedEvent, resolutionId: string) => RecordedEvent[][]): Promise<string> {
    const resolutionId = randomUUID();
    const fixture = pricingDispute();
    await storeRecords(api.db.pool, fixture.records);
    const caseId = randomUUID();
    const caseNumber = `NT-${caseId.slice(0, 8)}`;
    let seq = 0;
    const ev = (e: CaseEvent): RecordedEvent => ({ ...e, seq: ++seq, at: new Date().toISOString() });
    const batches: RecordedEvent[][] = [
      [
        ev({
          type: 'CASE_OPENED',
          actor: person(specialist),
          data: {
            caseNumber,
            workflowId: `dispute:${caseNumber}`,
            invoiceNumber: fixture.invoiceNumber,
            customerId: fixture.customerId,
            currency: 'USD',
            disputedAmount: '100.00',
            reasonCode: 'PRICING',
            description: null,
          },
        }),
      ],
      [
        ev({ type: 'RESOLUTION_PROPOSED', actor: person(proposer), data: { resolutionId, type: 'CREDIT', amount: '10.00', rootCause: 'PRICING_SETUP', note: null } }),
        ev({ type: 'STAGE_ENTERED', actor: system, data: { stage: 'APPROVAL' } }),
      ],
    ];
    batches.push(...more(ev, resolutionId));
    for (const events of batches) {
      await recordEvents(api.db.pool, { caseId, events });
      await recordEvents(api.db.pool, { caseId, events });
    }
    return caseId;
  }

  async function recipientsByKind(caseId: string): Promise<Record<string, { id: string; name: string }[][]>> {
    const { rows } = await api.db.pool.query('SELECT kind, recipients FROM notifications WHERE case_id = $1 ORDER BY event_seq', [caseId]);
    const out: Record<string, { id: string; name: string }[][]> = {};
    for (const r of rows) (out[r.kind] ??= []).push([...r.recipients].sort(byId));
    return out;
  }

  it('names whom the events name, and falls back to the team or the managers when they name nobody', async () => {
    // A proposer who manages now (a specialist made manager since) is never asked to approve their own proposal.
    const taskId = randomUUID();
    const dueAt = new Date(Date.now() - 1000).toISOString();
    const colleague = await api.user('specialist');
    const caseId = await trail(managerA, (ev, resolutionId) => [
      [ev({ type: 'TASK_CREATED', actor: system, data: { taskId, team: 'SALES_OPS', title: 'Confirm 100% of the price', dueAt, findingCodes: ['PRICE_VARIANCE'] } })],
      // Written before the plan's fields: the team, and the managers but the proposer.
      [ev({ type: 'TASK_ESCALATED', actor: system, data: { taskId, team: 'SALES_OPS', dueAt } })],
      [ev({ type: 'APPROVAL_ESCALATED', actor: system, data: { resolutionId, since: dueAt } })],
      // With them: whom they name.
      [ev({ type: 'TASK_ESCALATED', actor: system, data: { taskId, team: 'SALES_OPS', dueAt, assignee: person(orderOps) } })],
      [ev({ type: 'APPROVAL_ESCALATED', actor: system, data: { resolutionId, since: dueAt, offeredTo: [person(managerB)] } })],
      [ev({ type: 'CASE_ASSIGNED', actor: person(specialist), data: { ownerId: specialist.id, ownerName: specialist.name, previousOwnerId: null } })],
      [ev({ type: 'CASE_ASSIGNED', actor: person(managerB), data: { ownerId: colleague.id, ownerName: colleague.name, previousOwnerId: specialist.id } })],
    ]);

    expect(await recipientsByKind(caseId)).toEqual({
      APPROVAL_WAITING: [[person(managerB)]],
      TASK_ASSIGNED: [[person(salesOps)]],
      TASK_ESCALATED: [[person(salesOps)], [person(orderOps)]],
      APPROVAL_ESCALATED: [[person(managerB)], [person(managerB)]],
      // Not the opener's own: only the one a manager made.
      CASE_ASSIGNED: [[person(colleague)]],
    });
    const { rows } = await api.db.pool.query(`SELECT payload FROM notifications WHERE case_id = $1 AND kind = 'TASK_ASSIGNED'`, [caseId]);
    expect(rows[0].payload.title).toMatch(/^Case NT-[0-9a-f]{8}: Confirm 100% of the price$/);
    expect(rows[0].payload.dueAt).toBe(dueAt);
  });
});
