// The configuration of a secured Temporal connection, checked at start-up: files that must exist and be PEM, a
// certificate that needs its key, and the options the API's client and the worker's connection both get from it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../infra/config';
import { temporalConnectionOptions } from '../../infra/temporal-connection';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ar-config-'));
const pem = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN ${name.toUpperCase()}-----\nAAAA\n-----END ${name.toUpperCase()}-----\n`);
  return file;
};
const [cert, key, ca] = [pem('cert'), pem('key'), pem('ca')];
const notPem = path.join(dir, 'not-pem');
writeFileSync(notPem, 'hello');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { DATABASE_URL: 'postgres://localhost/x' };
function issues(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}

it('refuses a certificate without its key, a key without its certificate, and files it cannot read', () => {
  expect(issues({ TEMPORAL_TLS_CERT: cert })).toEqual(['TEMPORAL_TLS_KEY: is required with TEMPORAL_TLS_CERT']);
  expect(issues({ TEMPORAL_TLS_KEY: key })).toEqual(['TEMPORAL_TLS_CERT: is required with TEMPORAL_TLS_KEY']);
  expect(issues({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toEqual([`TEMPORAL_TLS_CA: cannot read ${path.join(dir, 'missing.pem')}: ENOENT`]);
  expect(issues({ TEMPORAL_TLS_CA: notPem })).toEqual([`TEMPORAL_TLS_CA: ${notPem} is not a PEM file (no -----BEGIN line)`]);
  expect(issues({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: ca })).toEqual(['TEMPORAL_TLS: is false, but TEMPORAL_TLS_* files or a server name are set']);
  expect(issues({ TEMPORAL_TLS: 'maybe' })).toEqual(['TEMPORAL_TLS: must be true or false']);
  expect(issues({ TEMPORAL_UI_URL: 'localhost:8233' })).toEqual(['TEMPORAL_UI_URL: must be an http(s):// URL']);
});

it('builds one set of connection options: plaintext by default, TLS with the files, an API key turning TLS on', () => {
  expect(temporalConnectionOptions(loadConfig(base))).toEqual({ address: '127.0.0.1:7233', tls: false });
  const mtls = temporalConnectionOptions(
    loadConfig({ ...base, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }),
  );
  expect(mtls).toEqual({
    address: 'ns.acct.tmprl.cloud:7233',
    tls: {
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: expect.any(Buffer),
      clientCertPair: { crt: expect.any(Buffer), key: expect.any(Buffer) },
    },
  });
  expect(mtls.tls && Buffer.from(mtls.tls.clientCertPair!.key).toString()).toContain('BEGIN KEY');
  expect(temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_API_KEY: 'k' }))).toEqual({ address: '127.0.0.1:7233', tls: {}, apiKey: 'k' });
  expect(temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }))).toEqual({ address: '127.0.0.1:7233', tls: false, apiKey: 'k' });
});

it('takes SLAs in fractions of an hour, and the Web UI URL without its trailing slash', () => {
  const config = loadConfig({ ...base, TASK_SLA_HOURS: '0.01', TEMPORAL_UI_URL: 'http://localhost:8233/' });
  expect(config.TASK_SLA_HOURS).toBe(0.01);
  expect(config.TEMPORAL_UI_URL).toBe('http://localhost:8233');
  expect(issues({ TASK_SLA_HOURS: '0' })).toEqual(['TASK_SLA_HOURS: must be a positive number of hours, e.g. 48 or 0.5']);
});
