// The webhook's signature, as a receiver checks it: HMAC-SHA256 over `<timestamp>.<body>` with the shared secret;
// and the configuration that turns the webhook on.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { notificationSignature } from '../../activities/notify';
import { ConfigError, loadConfig } from '../../infra/config';

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

describe('NOTIFY_WEBHOOK_*', () => {
  const base = { DATABASE_URL: 'postgres://app@db/disputes' };
  const issues = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return [...err.issues];
      throw err;
    }
  };

  it('a webhook URL needs its secret, of 32 characters or more', () => {
    expect(issues({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/ar' })).toEqual(['NOTIFY_WEBHOOK_SECRET: is required with NOTIFY_WEBHOOK_URL']);
    expect(issues({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/ar', NOTIFY_WEBHOOK_SECRET: 'short' })).toEqual([
      'NOTIFY_WEBHOOK_SECRET: must be at least 32 characters (e.g. `openssl rand -base64 32`)',
    ]);
    expect(issues({ NOTIFY_WEBHOOK_URL: 'ftp://hooks.example.com', NOTIFY_WEBHOOK_SECRET: SECRET })).toEqual([
      'NOTIFY_WEBHOOK_URL: must be an http(s):// URL',
    ]);
  });

  it('unset, notifications are log lines; the timeout defaults to 10 s', () => {
    const config = loadConfig(base);
    expect(config.NOTIFY_WEBHOOK_URL).toBeUndefined();
    expect(config.NOTIFY_WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(loadConfig({ ...base, NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook', NOTIFY_WEBHOOK_SECRET: SECRET }).NOTIFY_WEBHOOK_URL).toBe('http://127.0.0.1:9/hook');
  });
});
