// `npm start`: the whole stack on embedded defaults, state under ./.data.
// Starts PostgreSQL and Temporal (unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere), migrates,
// then runs the worker and the API as child processes. Ctrl-C or SIGTERM stops everything it
// started, last started first; any part dying on its own stops the rest and exits non-zero.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, loadConfig } from '../infra/config';
import { ensureDatabase, startEmbeddedPostgres } from '../infra/embedded-postgres';
import { createLogger } from '../infra/logger';
import { createPool, redactUrl, withDatabase } from '../infra/postgres';
import { PROJECT_ROOT } from '../infra/temporal-cli';
import { startTemporalDevServer } from '../infra/temporal-dev-server';
import { migrate } from '../migrations/migrate';

const DATA_DIR = path.join(PROJECT_ROOT, '.data');
const ADMIN_TOKEN_FILE = path.join(DATA_DIR, 'admin-token');
const DATABASE_NAME = 'disputes';
const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
/** Start order; everything stops in reverse. */
const RANK = { postgres: 0, temporal: 1, worker: 2, api: 3 } as const;
const CHILDREN = [
  { name: 'worker', entry: 'worker/main.ts' },
  { name: 'api', entry: 'api/main.ts' },
] as const satisfies readonly { name: keyof typeof RANK; entry: string }[];
const CHILD_STOP_TIMEOUT_MS = 20_000;

const log = createLogger('start');

interface Part {
  name: string;
  rank: number;
  stop(): Promise<void>;
}

const parts: Part[] = [];
let shutdown: Promise<never> | undefined;
let firstSignalAt = 0;

function stopEverything(exitCode: number, reason: string): Promise<never> {
  shutdown ??= (async () => {
    log.info({ reason }, 'stopping');
    for (const part of [...parts].sort((a, b) => b.rank - a.rank)) {
      try {
        await part.stop();
      } catch (err) {
        log.error({ err, part: part.name }, 'could not stop cleanly');
        exitCode ||= 1;
      }
    }
    process.exit(exitCode);
  })();
  return shutdown;
}

function onSignal(signal: NodeJS.Signals): void {
  // One Ctrl-C reaches this process up to three times (terminal, npm, tsx): those are one request.
  // A later one, while stopping, means "now": kill what is left and go.
  if (!shutdown) {
    firstSignalAt = Date.now();
    void stopEverything(0, signal);
  } else if (Date.now() - firstSignalAt > 2_000) {
    log.warn('second signal: exiting without waiting');
    process.exit(130);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function requireFreePort(port: number, what: string, hint: string): Promise<void> {
  if (!(await portIsFree(port))) throw new Error(`port ${port} (${what}) is already in use. ${hint}`);
}

async function adminToken(): Promise<{ token: string; source: string }> {
  if (process.env.ADMIN_TOKEN) return { token: process.env.ADMIN_TOKEN, source: 'ADMIN_TOKEN' };
  try {
    const stored = (await fs.readFile(ADMIN_TOKEN_FILE, 'utf8')).trim();
    if (stored) return { token: stored, source: path.relative(PROJECT_ROOT, ADMIN_TOKEN_FILE) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  await fs.writeFile(ADMIN_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  await fs.chmod(ADMIN_TOKEN_FILE, 0o600);
  return { token, source: `generated, stored in ${path.relative(PROJECT_ROOT, ADMIN_TOKEN_FILE)}` };
}

async function database(): Promise<{ url: string; description: string }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, description: redactUrl(process.env.DATABASE_URL) };
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 5433);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`EMBEDDED_PG_PORT=${process.env.EMBEDDED_PG_PORT} is not a port`);
  await requireFreePort(port, 'embedded PostgreSQL', 'Set EMBEDDED_PG_PORT to another port, or DATABASE_URL to use an existing server.');
  const dataDir = path.join(DATA_DIR, 'postgres');
  const server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  parts.push({ name: 'postgres', rank: RANK.postgres, stop: server.stop });
  void server.exited.then((code) => stopEverything(1, `embedded PostgreSQL exited unexpectedly (code ${code})`));
  await ensureDatabase(server.url, DATABASE_NAME);
  return {
    url: withDatabase(server.url, DATABASE_NAME),
    description: `embedded, ${path.relative(PROJECT_ROOT, dataDir)}, 127.0.0.1:${port}/${DATABASE_NAME}`,
  };
}

async function temporal(): Promise<{ address: string; uiUrl?: string }> {
  if (process.env.TEMPORAL_ADDRESS) return { address: process.env.TEMPORAL_ADDRESS };
  await requireFreePort(TEMPORAL_PORT, 'Temporal', 'Is another dev server running? Set TEMPORAL_ADDRESS to use it.');
  await requireFreePort(TEMPORAL_UI_PORT, 'Temporal UI', 'Stop whatever uses it, or set TEMPORAL_ADDRESS.');
  const server = await startTemporalDevServer({
    dbFilename: path.join(DATA_DIR, 'temporal.db'),
    port: TEMPORAL_PORT,
    uiPort: TEMPORAL_UI_PORT,
    headless: false,
    // Local development data: speed over durability across an OS crash.
    sqlitePragmas: true,
  });
  parts.push({ name: 'temporal', rank: RANK.temporal, stop: server.stop });
  void server.exited.then((code) => stopEverything(1, `Temporal dev server exited unexpectedly (code ${code})`));
  return { address: server.address, uiUrl: `http://localhost:${TEMPORAL_UI_PORT}` };
}

function startChild(name: 'worker' | 'api', entry: string, env: NodeJS.ProcessEnv): void {
  // Its own process group: a terminal's Ctrl-C reaches only this orchestrator, which stops the
  // children before the servers they depend on. Output goes straight through.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('error', (err) => log.error({ err, part: name }, 'process error'));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  const killOnExit = () => signalGroup('SIGTERM');
  process.on('exit', killOnExit);
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      if (!stopping) void stopEverything(1, `${name} exited unexpectedly (${signal ?? `code ${code}`})`);
      resolve();
    });
  });
  parts.push({
    name,
    rank: RANK[name],
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, CHILD_STOP_TIMEOUT_MS, 'timeout').unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        log.warn({ part: name }, 'did not stop in time; killing it');
        signalGroup('SIGKILL');
        await exited;
      }
    },
  });
}

async function waitForApi(port: number): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !shutdown) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return false;
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  // Fail before starting anything when the rest of the configuration is wrong.
  const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://localhost/check' });
  await fs.mkdir(DATA_DIR, { recursive: true, mode: 0o755 });
  await requireFreePort(config.PORT, 'API', 'Set PORT to another port.');

  const token = await adminToken();
  const [db, tmprl] = await Promise.all([database(), temporal()]);
  if (shutdown) return;

  const pool = createPool(db.url, { max: 1 });
  try {
    const applied = await migrate(pool, log);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  } finally {
    await pool.end();
  }
  if (shutdown) return;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: tmprl.address,
    ADMIN_TOKEN: token.token,
    PORT: String(config.PORT),
  };
  for (const child of CHILDREN) startChild(child.name, child.entry, env);

  const apiAnswers = await waitForApi(config.PORT);
  if (shutdown) return;
  const generated = token.source.startsWith('generated');
  console.log(
    [
      '',
      `ar-dispute-engine is running${apiAnswers ? '' : ' (the API has not answered yet)'}`,
      `  API and web UI  http://localhost:${config.PORT}`,
      `  Temporal        ${tmprl.uiUrl ? `${tmprl.uiUrl} (dev server, .data/temporal.db)` : tmprl.address}`,
      `  PostgreSQL      ${db.description}`,
      `  Admin token     ${generated ? `${token.token}  (${token.source})` : `from ${token.source}`}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.error({ err }, 'start-up failed');
  void stopEverything(1, 'start-up failed');
});
