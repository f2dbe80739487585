// The edge of the API, as a stranger meets it: throttling before authentication (per client address for guessed
// tokens, per token for known callers, per address on the operational endpoints), /health's probe shared under a
// flood and its "ok" dropped when PostgreSQL is found down, /metrics kept from the public, the security and cache
// headers on every answer, and the bearer scheme in any case. Each app here is the real one on port 0 against real
// PostgreSQL; database look-ups are counted by watching the pool's queries go by.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AppOptions } from '../../api/app';
import { HEALTH_FRESH_MS } from '../../api/health';
import { listenForMetrics } from '../../api/metrics-endpoint';
import { AppMetrics } from '../../api/observability';
import { createPool } from '../../infra/postgres';
import { eventually, startApi, type ApiHarness } from '../support/api';
import { mapLimit } from '../support/faults';
import type { TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
let specialist: TestUser;

beforeAll(async () => {
  api = await startApi();
  // Every app listens on its pool for lost connections (its /health's cue), and the apps here share one pool.
  api.db.pool.setMaxListeners(20);
  specialist = await api.user('specialist');
});

afterAll(async () => {
  jest.restoreAllMocks();
  await api?.close();
});

/** A fresh app (its own throttle, metrics and health probe) on port 0; throttling as in production unless told. */
async function serve(options: Partial<AppOptions> = {}): Promise<{ url: string; get(path: string, headers?: Record<string, string>): Promise<Response> }> {
  const { url } = await api.serve(options);
  return { url, get: (p, headers = {}) => fetch(url + p, { headers }) };
}

/** Counts the queries of the test database's pool whose SQL matches, from now on. */
function countQueries(match: (sql: string) => boolean): { readonly count: number } {
  const counter = { count: 0 };
  const pool = api.db.pool;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  jest.spyOn(pool, 'query').mockImplementation(((...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text ?? '';
    if (match(text)) counter.count += 1;
    return query(...args);
  }) as never);
  return counter;
}
const tokenLookups = () => countQueries((sql) => sql.includes('token_hash'));

const guess = () => randomBytes(32).toString('base64url');

/** Sends `n` requests, 50 at a time; answers their statuses and the Retry-After of every 429. */
async function flood(n: number, send: (i: number) => Promise<Response>): Promise<{ statuses: Record<number, number>; retryAfter: number[] }> {
  const statuses: Record<number, number> = {};
  const retryAfter: number[] = [];
  await mapLimit(Array.from({ length: n }, (_, i) => i), 50, async (i) => {
    const res = await send(i);
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 429) retryAfter.push(Number(res.headers.get('retry-after')));
  });
  return { statuses, retryAfter };
}

afterEach(() => jest.restoreAllMocks());

describe('throttling before authentication', () => {
  it('2,000 guessed tokens from one address: at most 100 are looked up, the rest are 429 with Retry-After', async () => {
    const { get } = await serve();
    const lookups = tokenLookups();
    const { statuses, retryAfter } = await flood(2_000, () => get('/api/me', { authorization: `Bearer ${guess()}` }));
    expect(statuses[401]).toBeLessThanOrEqual(100);
    expect(statuses[401] + statuses[429]).toBe(2_000);
    expect(lookups.count).toBe(statuses[401]);
    expect(Math.min(...retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...retryAfter)).toBeLessThanOrEqual(60);

    // Still refused, and still without a look-up.
    const more = await flood(200, () => get('/api/disputes', { authorization: `Bearer ${guess()}` }));
    expect(more.statuses).toEqual({ 429: 200 });
    expect(lookups.count).toBe(statuses[401]);
    // 2,200 requests: on two busy cores (the suite's other files run beside it) that has taken over a minute.
  }, 180_000);

  it('requests with no token at all count the same', async () => {
    const { get } = await serve();
    const { statuses } = await flood(300, (i) => get('/api/me', i % 2 ? {} : { authorization: 'Basic dXNlcjpwYXNz' }));
    expect(statuses[401]).toBeLessThanOrEqual(100);
    expect(statuses[429]).toBeGreaterThanOrEqual(200);
  });

  it('without TRUST_PROXY, X-Forwarded-For is not believed: a guesser cannot take a fresh address per request', async () => {
    const { get } = await serve();
    const { statuses } = await flood(300, (i) => get('/api/me', { authorization: `Bearer ${guess()}`, 'x-forwarded-for': `198.51.100.${i % 250}` }));
    expect(statuses[401]).toBeLessThanOrEqual(100);
    expect(statuses[429]).toBeGreaterThanOrEqual(200);
  });

  it('behind a trusted proxy, the guesser’s address is throttled, not its neighbours’ known tokens nor other addresses', async () => {
    const { get } = await serve({ trustProxy: ['loopback'] });
    const from = (address: string, token: string) => get('/api/me', { authorization: `Bearer ${token}`, 'x-forwarded-for': address });
    const colleague = await api.user('manager');
    const latecomer = await api.user('auditor');
    const nat = '203.0.113.7';
    expect((await from(nat, specialist.token)).status).toBe(200);

    const attack = await flood(500, () => from(nat, guess()));
    expect(attack.statuses[429]).toBeGreaterThanOrEqual(400);

    // A token this process has seen work keeps its own bucket, whatever its address suffers.
    for (let i = 0; i < 20; i++) expect((await from(nat, specialist.token)).status).toBe(200);
    // Another address is untouched.
    expect((await from('198.51.100.20', colleague.token)).status).toBe(200);
    // What remains: a token not yet seen here, from the flooded address, waits with the guesses until the window
    // frees a slot (its first success elsewhere, or on another replica, does not help this process).
    const waiting = await from(nat, latecomer.token);
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers.get('retry-after'))).toBeGreaterThan(0);
    // Once it has worked here, it is known from the flooded address too; revoked, it is forgotten: a guess again.
    expect((await from('198.51.100.21', latecomer.token)).status).toBe(200);
    expect((await from(nat, latecomer.token)).status).toBe(200);
    await api.db.pool.query('UPDATE users SET revoked_at = now() WHERE id = $1', [latecomer.id]);
    expect((await from('198.51.100.21', latecomer.token)).status).toBe(401);
    expect((await from(nat, latecomer.token)).status).toBe(429);
  });
});

describe('operational endpoints', () => {
  it.each(['/health', '/openapi.json'])('%s is throttled per client address', async (p) => {
    const { get } = await serve();
    const { statuses, retryAfter } = await flood(400, () => get(p));
    expect(statuses[429]).toBeGreaterThan(0);
    expect(statuses[200]).toBeGreaterThanOrEqual(100);
    expect(Math.min(...retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('a flood of /health runs one probe at a time, at most about one a second', async () => {
    const { get } = await serve({ rateLimit: false });
    const probes = countQueries((sql) => sql === 'SELECT 1');
    const started = performance.now();
    const { statuses } = await flood(500, () => get('/health'));
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(statuses).toEqual({ 200: 500 });
    expect(probes.count).toBeGreaterThanOrEqual(1);
    expect(probes.count).toBeLessThanOrEqual(1 + Math.ceil(elapsedSeconds));
  });

  it('a dependency that goes down shows on /health as a 503 soon after, not a cached 200 for ever', async () => {
    const pool = createPool(api.db.url, { max: 1 });
    const { get } = await serve({ pool, rateLimit: false });
    expect((await get('/health')).status).toBe(200);
    await pool.end();
    await eventually('/health to answer 503', async () => ((await get('/health')).status === 503 ? true : undefined), 10_000);
  });

  it('a request that finds PostgreSQL down drops the cached 200 at once', async () => {
    const pool = createPool(api.db.url, { max: 1 });
    const { get } = await serve({ pool, rateLimit: false });
    expect((await get('/health')).status).toBe(200);
    await pool.end();
    expect((await get('/api/me', { authorization: `Bearer ${specialist.token}` })).status).toBe(503);
    const started = performance.now();
    expect((await get('/health')).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(HEALTH_FRESH_MS);
  });

  it('a connection PostgreSQL ends drops the cached 200: the next /health probes again', async () => {
    const applicationName = `health-${randomBytes(4).toString('hex')}`;
    const pool = createPool(api.db.url, { max: 1, applicationName });
    const { get } = await serve({ pool, rateLimit: false });
    expect((await get('/health')).status).toBe(200);
    let probes = 0;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    jest.spyOn(pool, 'query').mockImplementation(((...args: unknown[]) => {
      if (args[0] === 'SELECT 1') probes += 1;
      return query(...args);
    }) as never);
    const lost = new Promise((resolve) => pool.once('error', resolve));
    await api.db.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    await lost;
    expect((await get('/health')).status).toBe(200);
    expect(probes).toBe(1);
    await pool.end();
  });
});

describe('GET /metrics', () => {
  it('is a 404 on the API with neither METRICS_TOKEN nor METRICS_ADDRESS, and not in /openapi.json', async () => {
    const res = await api.request('GET', '/metrics');
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const doc = (await api.request('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('with METRICS_TOKEN, answers only the scraper that sends it', async () => {
    const metricsToken = guess();
    const { get } = await serve({ metricsToken, rateLimit: false });
    for (const authorization of [undefined, `Bearer ${guess()}`, `Bearer ${specialist.token}`, metricsToken, `Basic ${metricsToken}`]) {
      const res = await get('/metrics', authorization ? { authorization } : {});
      expect({ authorization, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ authorization, status: 401, challenge: 'Bearer' });
    }
    await get('/api/me', { authorization: `Bearer ${specialist.token}` });
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await get('/metrics', { authorization: `${scheme} ${metricsToken}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).toContain('route="/api/me"');
      expect(text).toContain('process_cpu_user_seconds_total');
    }
  });

  it('with METRICS_TOKEN, is throttled per client address like the other operational endpoints', async () => {
    const metricsToken = guess();
    const { get } = await serve({ metricsToken });
    const { statuses } = await flood(400, () => get('/metrics', { authorization: `Bearer ${metricsToken}` }));
    expect(statuses[429]).toBeGreaterThan(0);
  });

  it('on METRICS_ADDRESS, is served without a token, and nothing else is', async () => {
    const metrics = new AppMetrics();
    const { get } = await serve({ metrics, rateLimit: false });
    const listener = await listenForMetrics('127.0.0.1:0', metrics);
    try {
      const metricsUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      expect((await get('/api/me', { authorization: `Bearer ${specialist.token}` })).status).toBe(200);
      expect((await get('/metrics')).status).toBe(404);

      const res = await fetch(`${metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('route="/api/me"');
      for (const p of ['/', '/api/me', '/health']) expect((await fetch(`${metricsUrl}${p}`)).status).toBe(404);
    } finally {
      listener.closeAllConnections();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

describe('security and cache headers', () => {
  let staticDir: string;
  beforeAll(async () => {
    staticDir = await mkdtemp(path.join(os.tmpdir(), 'ar-edge-web-'));
    await mkdir(path.join(staticDir, 'assets'));
    await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><script type="module" src="./assets/index-abc123.js"></script>');
    await writeFile(path.join(staticDir, 'assets', 'index-abc123.js'), 'document.title = "x";');
  });
  afterAll(() => rm(staticDir, { recursive: true, force: true }));

  const securityHeaders = (res: Response) => ({
    csp: res.headers.get('content-security-policy'),
    referrer: res.headers.get('referrer-policy'),
    frame: res.headers.get('x-frame-options'),
    sniff: res.headers.get('x-content-type-options'),
  });
  const expected = {
    csp: expect.stringMatching(/^default-src 'self'; .*frame-ancestors 'none'/),
    referrer: 'no-referrer',
    frame: 'DENY',
    sniff: 'nosniff',
  };

  it('on the web UI: a strict policy, index.html revalidated, hashed assets cached for good', async () => {
    const { get } = await serve({ staticDir, rateLimit: false });
    const csp = (await get('/')).headers.get('content-security-policy')!;
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]));
    expect(csp).not.toContain('unsafe');
    for (const [p, cache] of [
      ['/', 'no-cache'],
      ['/index.html', 'no-cache'],
      ['/assets/index-abc123.js', 'public, max-age=31536000, immutable'],
    ]) {
      const res = await get(p);
      expect({ p, status: res.status, cache: res.headers.get('cache-control'), ...securityHeaders(res) }).toEqual({ p, status: 200, cache, ...expected });
    }
  });

  it('on every API answer, whatever the path’s case: no-store, errors and 404s included', async () => {
    const { url, get } = await serve({ staticDir, rateLimit: false });
    const bearer = { authorization: `Bearer ${specialist.token}` };
    const answers: [string, Promise<Response>, number][] = [
      ['GET /api/me', get('/api/me', bearer), 200],
      ['GET /API/me', get('/API/me', bearer), 404],
      ['GET /Api/Me', get('/Api/Me', bearer), 404],
      ['GET /api/me without a token', get('/api/me'), 401],
      ['GET /api/disputes?limit=x', get('/api/disputes?limit=x', bearer), 400],
      ['GET /api/nothing', get('/api/nothing', bearer), 404],
      ['GET /assets/none.js', get('/assets/none.js'), 404],
      ['DELETE /api/me', fetch(`${url}/api/me`, { method: 'DELETE', headers: bearer }), 405],
      ['POST /api/disputes with broken JSON', fetch(`${url}/api/disputes`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{' }), 400],
      ['GET /health', get('/health'), 200],
      ['GET /openapi.json', get('/openapi.json'), 200],
    ];
    for (const [name, answer, status] of answers) {
      const res = await answer;
      await res.arrayBuffer();
      expect({ name, status: res.status, cache: res.headers.get('cache-control'), ...securityHeaders(res) }).toEqual({ name, status, cache: 'no-store', ...expected });
    }
  });
});

describe('the bearer scheme', () => {
  it('is case-insensitive (RFC 7235), and a malformed header is still refused', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR', 'Bearer  ']) {
      expect({ scheme, status: (await api.request('GET', '/api/me', { headers: { authorization: `${scheme} ${specialist.token}` } })).status }).toEqual({ scheme, status: 200 });
    }
    for (const header of [`bearer${specialist.token}`, `bearer ${specialist.token} x`, `bearer`, `bear ${specialist.token}`, `Token ${specialist.token}`]) {
      expect({ header, status: (await api.request('GET', '/api/me', { headers: { authorization: header } })).status }).toEqual({ header, status: 401 });
    }
  });
});
