// The webhook's signature, as a receiver checks it: HMAC-SHA256 over `<timestamp>.<body>` with the shared secret;
// which answers the sender tries again and which end it; and the configuration that turns the webhook on.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { notificationSignature, webhookSender } from '../../activities/notify';
import type { NotificationMessage } from '../../contract';
import { NOTIFICATION_REFUSED } from '../../domain/errors';

const SECRET = 's'.repeat(32);
const BODY = JSON.stringify({ id: '5f0c4b7e-8f7e-4b8e-9a4e-2f1d3c4b5a69', kind: 'TASK_ASSIGNED', title: 'Case DSP-000001: Confirm pricing' });

/** What a receiver in another language writes from the README's description. */
function receiverAccepts(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

it('signs the timestamp and the body with the secret, as sha256=<hex>', () => {
  const signature = notificationSignature(SECRET, '1764960000', BODY);
  expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(receiverAccepts(SECRET, '1764960000', BODY, signature)).toBe(true);
});

it('a changed body, timestamp or secret no longer verifies', () => {
  const signature = notificationSignature(SECRET, '1764960000', BODY);
  expect(receiverAccepts(SECRET, '1764960000', BODY.replace('DSP-000001', 'DSP-000002'), signature)).toBe(false);
  expect(receiverAccepts(SECRET, '1764960001', BODY, signature)).toBe(false);
  expect(receiverAccepts('t'.repeat(32), '1764960000', BODY, signature)).toBe(false);
});

it('signs text beyond ASCII as its UTF-8 bytes', () => {
  const body = JSON.stringify({ title: 'Müller GmbH – Rechnung' });
  expect(receiverAccepts(SECRET, '1', body, notificationSignature(SECRET, '1', body))).toBe(true);
});

describe('webhookSender', () => {
  let server: Server;
  let answer: number | 'hang' = 200;
  let url = '';
  const message: NotificationMessage = {
    id: randomUUID(),
    kind: 'TASK_ASSIGNED',
    caseNumber: 'DSP-000001',
    caseId: randomUUID(),
    workflowId: 'dispute:DSP-000001',
    link: '/cases/DSP-000001',
    title: 'Case DSP-000001: Confirm pricing',
    recipients: [{ id: randomUUID(), name: 'Sol Sales-Ops' }],
  };
  const send = (timeoutMs = 2_000) => webhookSender({ url, secret: SECRET, timeoutMs }).send(message, { workflowId: `notify:${message.id}` });

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (answer !== 'hang') req.on('end', () => res.writeHead(answer as number).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([200, 202, 204])('%s is delivered', async (status) => {
    answer = status;
    await expect(send()).resolves.toBeUndefined();
  });

  it.each([500, 503, 408, 429])('%s is tried again (a plain, retryable error)', async (status) => {
    answer = status;
    const err = await send().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toBe(`webhook answered ${status}`);
  });

  it.each([400, 401, 404, 410, 422, 301])('%s is final (NotificationRefused, not retryable)', async (status) => {
    answer = status;
    const err = await send().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: NOTIFICATION_REFUSED, nonRetryable: true, message: `webhook answered ${status}` });
  });

  it('a receiver that does not answer in time, or is not there, is tried again', async () => {
    answer = 'hang';
    const late = await send(200).catch((e: unknown) => e);
    expect(late).not.toBeInstanceOf(ApplicationFailure);
    expect((late as Error).message).toMatch(/^webhook unreachable: /);
    // A port that was free a moment ago: nothing listens there now.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gone = await webhookSender({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, timeoutMs: 2_000 })
      .send(message, { workflowId: 'w' })
      .catch((e: unknown) => e);
    expect(gone).not.toBeInstanceOf(ApplicationFailure);
    expect((gone as Error).message).toMatch(/^webhook unreachable: /);
  });
});
