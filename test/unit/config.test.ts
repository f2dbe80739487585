// The configuration's rules for secrets, metrics, the proxy in front and the notification webhook: a bad value stops the start-up with the
// variable's name and what it must be.
import { randomBytes } from 'node:crypto';
import { generateToken } from '../../api/auth';
import { ConfigError, loadConfig } from '../../infra/config';

const base = { DATABASE_URL: 'postgres://app@db/disputes' };

function refusal(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('ADMIN_TOKEN and METRICS_TOKEN', () => {
  it.each(['ADMIN_TOKEN', 'METRICS_TOKEN'])('%s shorter than 32 characters stops the start-up, saying why', (name) => {
    for (const value of ['a', 'x'.repeat(31), `  ${'x'.repeat(31)}  `]) {
      expect(refusal({ [name]: value })).toEqual([`${name}: must be at least 32 characters (e.g. \`openssl rand -base64 32\`)`]);
    }
  });

  it.each(['ADMIN_TOKEN', 'METRICS_TOKEN'])('%s of 32 characters or more is taken; unset or empty means none', (name) => {
    expect(loadConfig({ ...base, [name]: 'x'.repeat(32) })[name as 'ADMIN_TOKEN']).toBe('x'.repeat(32));
    expect(loadConfig({ ...base, [name]: '' })[name as 'ADMIN_TOKEN']).toBeUndefined();
    expect(loadConfig(base)[name as 'ADMIN_TOKEN']).toBeUndefined();
  });

  it('takes the tokens this repository makes: `npm start`’s (43 characters) and the chaos and schemathesis stacks’ (32)', () => {
    expect(refusal({ ADMIN_TOKEN: generateToken() })).toEqual([]);
    expect(refusal({ ADMIN_TOKEN: randomBytes(24).toString('base64url') })).toEqual([]);
  });
});

describe('METRICS_ADDRESS', () => {
  it('is host:port', () => {
    expect(loadConfig({ ...base, METRICS_ADDRESS: '10.0.0.5:9464' }).METRICS_ADDRESS).toBe('10.0.0.5:9464');
    expect(refusal({ METRICS_ADDRESS: '9464' })).toEqual(['METRICS_ADDRESS: must be host:port']);
  });
});

describe('TRUST_PROXY', () => {
  it('is off unless set', () => {
    expect(loadConfig(base).TRUST_PROXY).toBeUndefined();
  });

  it('takes a number of hops, or the proxies’ addresses', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
  });

  it('refuses "true" (every client would pick its own address) and addresses that are not', () => {
    for (const value of ['true', '10.0.0.0/33', 'lb.internal', '10.0.0.0/8, everyone']) {
      const issues = refusal({ TRUST_PROXY: value });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(/^TRUST_PROXY: must be a number of proxy hops, or the proxies' addresses/);
    }
  });
});

describe('NOTIFY_WEBHOOK_*', () => {
  const SECRET = 's'.repeat(32);
  it('a webhook URL needs its secret, of 32 characters or more', () => {
    expect(refusal({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/ar' })).toEqual(['NOTIFY_WEBHOOK_SECRET: is required with NOTIFY_WEBHOOK_URL']);
    expect(refusal({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/ar', NOTIFY_WEBHOOK_SECRET: 'short' })).toEqual([
      'NOTIFY_WEBHOOK_SECRET: must be at least 32 characters (e.g. `openssl rand -base64 32`)',
    ]);
    expect(refusal({ NOTIFY_WEBHOOK_URL: 'ftp://hooks.example.com', NOTIFY_WEBHOOK_SECRET: SECRET })).toEqual([
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

describe('AUTH_ATTEMPTS_PER_MINUTE', () => {
  it("is the throttle's default of 100 unless set, and a positive whole number", () => {
    expect(loadConfig(base).AUTH_ATTEMPTS_PER_MINUTE).toBe(100);
    expect(loadConfig({ ...base, AUTH_ATTEMPTS_PER_MINUTE: '1000' }).AUTH_ATTEMPTS_PER_MINUTE).toBe(1000);
    for (const value of ['0', '-5', '2.5', 'many']) {
      expect(refusal({ AUTH_ATTEMPTS_PER_MINUTE: value })).toEqual([expect.stringMatching(/^AUTH_ATTEMPTS_PER_MINUTE: /)]);
    }
  });
});
