// PostgreSQL over TLS through DATABASE_URL alone: `pg` reads sslmode and sslrootcert from the URL that createPool and
// the migrations pass through untouched. A cluster of this test's own runs with ssl=on and a certificate the test made;
// sslmode=verify-full with the CA connects (the session is encrypted), and without the CA the certificate is refused.
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../infra/embedded-postgres';
import { createLogger } from '../../infra/logger';
import { postgresInstallation } from '../../infra/postgres-install';
import { createPool, withDatabase } from '../../infra/postgres';
import { getFreePort } from '../../infra/temporal-dev-server';
import { migrate } from '../../migrations/migrate';
import { makeCertificates } from '../support/tls';

const log = createLogger('postgres-tls-test').child({}, { level: 'warn' });
let dir: string;
let server: EmbeddedPostgres;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ar-pg-tls-'));
  chmodSync(dir, 0o755);
  const certs = makeCertificates(dir, ['localhost']);
  ca = certs.ca;
  // The server reads its key as the user it runs as, and refuses a key others can read.
  const { runAs } = await postgresInstallation(log);
  chmodSync(certs.serverKey, 0o600);
  if (runAs) chownSync(certs.serverKey, runAs.uid, runAs.gid);
  chmodSync(certs.serverCert, 0o644);
  server = await startEmbeddedPostgres({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'ar-pg-tls-data-')),
    port: await getFreePort(),
    persistent: false,
    settings: { ssl: 'on', ssl_cert_file: certs.serverCert, ssl_key_file: certs.serverKey },
    log,
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('connects with sslmode=verify-full and the CA, encrypted, and migrates over it; without the CA it is refused', async () => {
  const url = new URL(server.url);
  url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', ca);
  const pool = createPool(withDatabase(url.toString(), 'postgres'), { max: 1 });
  try {
    const { rows } = await pool.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows[0]).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect((await migrate(withDatabase(url.toString(), 'postgres'))).length).toBeGreaterThan(0);
  } finally {
    await pool.end();
  }

  url.searchParams.delete('sslrootcert');
  const unverified = createPool(url.toString(), { max: 1 });
  try {
    await expect(unverified.query('SELECT 1')).rejects.toThrow(/unable to verify the first certificate|self[- ]signed certificate/);
  } finally {
    await unverified.end();
  }
});
