// `npm start`: the whole stack on embedded defaults, state under ./.data.
// Starts PostgreSQL and Temporal (unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere), migrates,
// then runs the worker and the API as child processes. Ctrl-C or SIGTERM stops everything it
// started, last started first; any part dying on its own stops the rest and exits non-zero.
// A start that fails stops whatever it had started and ends on one plain line saying what to do (exit code 1).
// `npm start -- --demo` then fills the desk through the API (scripts/demo.ts) and keeps running.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { commandLine } from '../infra/command-line';
import { loadConfig, loadStartConfig } from '../infra/config';
import { ADMIN_TOKEN_FILE, DATA_DIR, shown, writeStackFile } from '../infra/local-data';
import { appDatabase, startLocalStack, type LocalStack, type PostgresChoice } from '../infra/local-stack';
import { createLogger } from '../infra/logger';
import { requireFreePort } from '../infra/ports';
import { postgresInstallation, persistentClusterLocation } from '../infra/postgres-install';
import { createPool, redactUrl } from '../infra/postgres';
import { spawnGroup } from '../infra/process-group';
import { startFailureLine } from '../infra/start-failure';
import { PROJECT_ROOT } from '../infra/temporal-cli';
import { refuseDroppedTeams } from '../read-model/routing';

const DATABASE_NAME = 'disputes';
/** Start order; everything stops in reverse. */
const RANK = { postgres: 0, temporal: 1, worker: 2, api: 3, demo: 4 } as const;
const CHILDREN = [
  { name: 'worker', entry: 'worker/main.ts' },
  { name: 'api', entry: 'api/main.ts' },
] as const satisfies readonly { name: keyof typeof RANK; entry: string }[];
const DEMO = commandLine('npm start [-- --demo]', { options: { demo: { type: 'boolean', default: false } } }).values.demo;

const log = createLogger('start');

interface Part {
  name: string;
  rank: number;
  stop(): Promise<void>;
}

const parts: Part[] = [];
let shutdown: Promise<never> | undefined;
let firstSignalAt = 0;

/** Stops every part, newest first, then exits; `finalLine` (a failure, said plainly) is the last thing printed. */
function stopEverything(exitCode: number, reason: string, finalLine?: string): Promise<never> {
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
    if (finalLine) console.error(finalLine);
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

async function adminToken(): Promise<{ token: string; source: string }> {
  if (process.env.ADMIN_TOKEN) return { token: process.env.ADMIN_TOKEN, source: 'ADMIN_TOKEN' };
  try {
    const stored = (await fs.readFile(ADMIN_TOKEN_FILE, 'utf8')).trim();
    if (stored) return { token: stored, source: shown(ADMIN_TOKEN_FILE) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  await fs.writeFile(ADMIN_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  await fs.chmod(ADMIN_TOKEN_FILE, 0o600);
  return { token, source: `generated, stored in ${shown(ADMIN_TOKEN_FILE)}` };
}

/** PostgreSQL and Temporal (embedded unless DATABASE_URL / TEMPORAL_ADDRESS), each a part as soon as it is up. */
async function servers(ports: ReturnType<typeof loadStartConfig>): Promise<{ stack: LocalStack; database: string[]; temporalUi?: string }> {
  const pgPort = ports.EMBEDDED_PG_PORT;
  const link = path.join(DATA_DIR, 'postgres');
  const database: string[] = [];
  if (process.env.DATABASE_URL) database.push(redactUrl(process.env.DATABASE_URL));
  else await requireFreePort(pgPort, 'embedded PostgreSQL', 'stop what holds it (another npm start?), or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use a running server.');
  if (!process.env.TEMPORAL_ADDRESS) {
    const remedy = (variable: string) => `stop what holds it (another npm start?), or set ${variable} to a free port, or TEMPORAL_ADDRESS to use a running server.`;
    await requireFreePort(ports.TEMPORAL_DEV_PORT, 'Temporal dev server', remedy('TEMPORAL_DEV_PORT'));
    await requireFreePort(ports.TEMPORAL_DEV_UI_PORT, 'Temporal Web UI', remedy('TEMPORAL_DEV_UI_PORT'));
  }
  const cluster = async (): Promise<PostgresChoice> => {
    const install = await postgresInstallation(log);
    const location = await persistentClusterLocation(link, install);
    database.push(`embedded, ${shown(link)}, 127.0.0.1:${pgPort}/${DATABASE_NAME}`);
    if (location.relocatedTo) {
      database.push(`data in ${location.relocatedTo} (${shown(link)} links there: the postgres user it runs as cannot enter this folder)`);
    }
    if (install.relocatedTo) database.push(`programs in ${install.relocatedTo}`);
    if (location.earlier.length) {
      database.push(`${location.earlier.length} older cluster(s) of this folder, no longer linked: ${location.earlier.join(', ')} (delete them if you do not need them)`);
    }
    return { dataDir: location.dataDir, port: pgPort, persistent: true };
  };
  const stack = await startLocalStack({
    postgres: process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : cluster(),
    temporal: process.env.TEMPORAL_ADDRESS
      ? { address: process.env.TEMPORAL_ADDRESS }
      : {
          dbFilename: path.join(DATA_DIR, 'temporal.db'),
          port: ports.TEMPORAL_DEV_PORT,
          uiPort: ports.TEMPORAL_DEV_UI_PORT,
          headless: false,
          // Local development data: speed over durability across an OS crash.
          sqlitePragmas: true,
          // No quiet download at start: a missing CLI is one line saying how to install it.
          download: false,
        },
    log,
    onStarted: (started) => {
      if ('postgres' in started) parts.push({ name: 'postgres', rank: RANK.postgres, stop: started.postgres.stop });
      else parts.push({ name: 'temporal', rank: RANK.temporal, stop: started.temporal.stop });
    },
    onUnexpectedExit: (server, code) => {
      const what = server === 'PostgreSQL' ? 'the embedded PostgreSQL' : 'the Temporal dev server';
      const more = server === 'PostgreSQL' ? 'its last words are above' : 'LOG_LEVEL=debug shows its output';
      void stopEverything(1, `${server} exited`, `npm start stopped: ${what} exited unexpectedly (code ${code}); ${more}.`);
    },
  });
  return { stack, database, temporalUi: stack.temporal && `http://localhost:${ports.TEMPORAL_DEV_UI_PORT}` };
}

/** A process of ours (worker, API, demo), its output straight through; `fatal`: its exiting on its own stops everything. */
function startChild(name: keyof typeof RANK, entry: string, env: NodeJS.ProcessEnv, fatal = true): Promise<number | null> {
  const child = spawnGroup(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    onStopTimeout: () => log.warn({ part: name }, 'did not stop in time; killing it'),
  });
  parts.push({ name, rank: RANK[name], stop: child.stop });
  return child.exited.then(({ code, signal }) => {
    if (fatal && !child.stopping) {
      void stopEverything(1, `${name} exited`, `npm start stopped: the ${name} exited unexpectedly (${signal ?? `code ${code}`}); its log is above.`);
    }
    return code;
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
  const ports = loadStartConfig();
  await fs.mkdir(DATA_DIR, { recursive: true, mode: 0o755 });
  await requireFreePort(config.PORT, 'API and web UI', 'stop what holds it (another npm start?), or set PORT to a free port.');

  const token = await adminToken();
  const { stack, database, temporalUi } = await servers(ports);
  if (shutdown) return;
  const databaseUrl = await appDatabase(stack, DATABASE_NAME, log);
  if (shutdown) return;
  // The worker and the API would each refuse it: said once, here, before either starts.
  const pool = createPool(databaseUrl, { max: 1 });
  try {
    await refuseDroppedTeams(pool, config.TEAMS);
  } finally {
    await pool.end();
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    ADMIN_TOKEN: token.token,
    PORT: String(config.PORT),
    ...(temporalUi && !process.env.TEMPORAL_UI_URL && { TEMPORAL_UI_URL: temporalUi }),
  };
  for (const child of CHILDREN) void startChild(child.name, child.entry, env);
  // Where this stack is, for `npm run demo` from this folder (it runs a second API replica against it).
  const removeStackFile = await writeStackFile({
    apiUrl: `http://127.0.0.1:${config.PORT}`,
    databaseUrl,
    temporalAddress: stack.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  });
  parts.push({ name: 'stack file', rank: RANK.api, stop: removeStackFile });

  const apiAnswers = await waitForApi(config.PORT);
  if (shutdown) return;
  const generated = token.source.startsWith('generated');
  const [pgFirst, ...pgMore] = database;
  console.log(
    [
      '',
      `ar-dispute-engine is running${apiAnswers ? '' : ' (the API has not answered yet)'}`,
      `  API and web UI  http://localhost:${config.PORT}`,
      `  Temporal        ${temporalUi ? `${temporalUi} (dev server, ${shown(path.join(DATA_DIR, 'temporal.db'))})` : stack.temporalAddress}`,
      `  PostgreSQL      ${pgFirst}`,
      ...pgMore.map((line) => `                  ${line}`),
      `  Admin token     ${generated ? `${token.token}  (${token.source})` : `from ${token.source}`}`,
      DEMO ? '  Filling the desk with demo data (npm run demo)…' : '  A desk to look at: npm run demo (in another terminal).',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  if (DEMO) {
    const code = await startChild('demo', 'scripts/demo.ts', env, false);
    if (!shutdown) console.log(code === 0 ? '\nThe demo desk is ready. Ctrl-C stops everything.' : '\nThe demo did not finish (see above); the stack keeps running. Ctrl-C stops everything.');
  }
}

main().catch((err: unknown) => {
  log.debug({ err }, 'start-up failed');
  void stopEverything(1, 'start-up failed', `npm start failed: ${startFailureLine(err)}`);
});
