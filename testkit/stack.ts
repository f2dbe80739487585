// The production topology on this machine, owned end to end by one run (`npm run chaos`, `npm run schemathesis`): its
// own embedded PostgreSQL cluster (stoppable and restartable on the same port and data), a Temporal dev server on a
// database file (killable and restartable on the same port and file), and the API and the worker as separate OS
// processes started the way `npm run api` / `npm run worker` start them, but with node's tsx loader (not the tsx CLI)
// so that a SIGKILL hits the real process. Everything listens on and is reached through 127.0.0.1 only. cleanup()
// (also run on SIGINT, SIGTERM and process exit) ends every process it started and removes every temp dir it made.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { Pool } from 'pg';
import { DEFAULT_TASK_QUEUE } from '../infra/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../infra/embedded-postgres';
import { appDatabase, startLocalStack } from '../infra/local-stack';
import { createLogger, type Logger } from '../infra/logger';
import { createPool } from '../infra/postgres';
import { spawnGroup, type GroupChild } from '../infra/process-group';
import { getFreePort, startTemporalDevServer, type DevServer, type DevServerOptions } from '../infra/temporal-dev-server';

export const ROOT = path.resolve(__dirname, '..');
export const HOST = '127.0.0.1';
const DATABASE = 'disputes';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface StackOptions {
  /** Name used for temp dirs and log prefixes. */
  name: string;
  taskQueue?: string;
  /** Extra environment for the API and worker processes. */
  env?: Record<string, string>;
  /** Where logs are copied when keepLogs() is called (e.g. after a failure). */
  logDir?: string;
  quiet?: boolean;
}

interface Proc {
  name: 'api' | 'worker';
  group: GroupChild;
  log: string;
  /** Set before we kill it: any other exit is a crash. */
  killed: boolean;
}

/** Quiet infrastructure logger: the run prints its own story. */
export function quietLogger(name: string): Logger {
  return createLogger(name).child({}, { level: process.env.CHAOS_LOG_LEVEL ?? 'warn' });
}

export class Stack {
  readonly adminToken = randomBytes(24).toString('base64url');
  readonly taskQueue: string;
  readonly log: Logger;
  private readonly workDir: string;
  private readonly pgDir: string;
  private pg?: EmbeddedPostgres;
  private pgPort = 0;
  private temporal?: DevServer;
  private temporalPort = 0;
  private temporalPaused = false;
  private apiPort = 0;
  private worker?: Proc;
  private api?: Proc;
  private readonly procs = new Set<Proc>();
  private readonly logStreams: WriteStream[] = [];
  private workerGeneration = 0;
  private cleaning?: Promise<void>;
  /** API or worker processes that exited without being killed by the run: each one fails it. */
  readonly crashes: string[] = [];
  /** The admin connection pool on the run's database (the driver's observer and the invariant check). */
  pool?: Pool;
  databaseUrl = '';
  temporalClient?: Client;
  private temporalConnection?: Connection;

  constructor(private readonly options: StackOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.log = quietLogger(options.name);
    this.workDir = mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
    // PostgreSQL runs as the `postgres` system user when we are root: it needs a directory of its own that the
    // embedded-postgres package can hand over to that user (a subfolder of a 0700 root dir would be unreachable).
    this.pgDir = mkdtempSync(path.join(os.tmpdir(), `${options.name}-pg-`));
    process.on('exit', this.removeDirsNow);
  }

  get apiUrl(): string {
    return `http://${HOST}:${this.apiPort}`;
  }
  get temporalAddress(): string {
    return `${HOST}:${this.temporalPort}`;
  }
  get workerPid(): number | undefined {
    return this.worker?.group.pid;
  }
  get workerAlive(): boolean {
    return Boolean(this.worker && this.worker.group.child.exitCode === null && this.worker.group.child.signalCode === null);
  }
  get temporalUp(): boolean {
    return this.temporal !== undefined;
  }
  get postgresUp(): boolean {
    return this.pg !== undefined;
  }

  async start(): Promise<void> {
    [this.pgPort, this.temporalPort, this.apiPort] = await Promise.all([getFreePort(), getFreePort(), getFreePort()]);
    const servers = await startLocalStack({ postgres: this.postgresOptions(), temporal: this.temporalOptions(), log: this.log });
    this.pg = servers.postgres;
    this.temporal = servers.temporal;
    this.databaseUrl = await appDatabase(servers, DATABASE);
    // Its idle clients die with every PostgreSQL stop (F5): expected, so not logged.
    const silent = createLogger(this.options.name).child({}, { level: 'silent' });
    this.pool = createPool(this.databaseUrl, { max: 4, applicationName: `${this.options.name}-observer`, log: silent });
    this.temporalConnection = await Connection.connect({ address: this.temporalAddress });
    this.temporalClient = new Client({ connection: this.temporalConnection });
    await Promise.all([this.startApi(), this.startWorker()]);
  }

  // ------------------------------------------------------------ PostgreSQL

  private postgresOptions() {
    // stop() must keep the data: F5 restarts the same cluster.
    return { dataDir: this.pgDir, port: this.pgPort, persistent: true, unsafeFast: true };
  }

  async startPostgres(): Promise<void> {
    this.pg = await startEmbeddedPostgres({ ...this.postgresOptions(), log: this.log });
  }

  /** Fast shutdown (SIGINT): every session is ended, the port stops answering. */
  async stopPostgres(): Promise<void> {
    const pg = this.pg;
    this.pg = undefined;
    await pg?.stop();
  }

  // ------------------------------------------------------------ Temporal

  private temporalOptions(): Omit<DevServerOptions, 'log'> {
    return { dbFilename: path.join(this.workDir, 'temporal.db'), port: this.temporalPort, headless: true, sqlitePragmas: true };
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startTemporalDevServer({ ...this.temporalOptions(), log: this.log });
  }

  /** kill -9 of the dev server's whole process group, with its database file left as the crash left it. */
  async killTemporal(): Promise<void> {
    const server = this.temporal;
    this.temporal = undefined;
    this.temporalPaused = false;
    if (!server) return;
    server.signal('SIGKILL');
    await server.exited;
  }

  /**
   * SIGSTOP of the dev server: it keeps its sockets but answers nothing, so a worker's completed activities cannot
   * be reported (a frozen server or a partitioned network, as the worker sees it). resumeTemporal() undoes it.
   */
  pauseTemporal(): void {
    if (!this.temporal) throw new Error('no Temporal server to pause');
    this.temporal.signal('SIGSTOP');
    this.temporalPaused = true;
  }

  resumeTemporal(): void {
    if (!this.temporalPaused || !this.temporal) return;
    this.temporal.signal('SIGCONT');
    this.temporalPaused = false;
  }

  // ------------------------------------------------------------ API and worker processes

  private childEnv(): NodeJS.ProcessEnv {
    // Only what a deployment sets; nothing of the caller's environment that could point elsewhere.
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      PORT: String(this.apiPort),
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ADMIN_TOKEN: this.adminToken,
      LOG_LEVEL: 'warn',
      ...this.options.env,
    };
  }

  private spawnProcess(name: Proc['name'], entry: string): Proc {
    const logFile = path.join(this.workDir, `${name}.log`);
    const stream = createWriteStream(logFile, { flags: 'a' });
    this.logStreams.push(stream);
    // node + tsx's loader: the pid we hold is the process that runs the code.
    const group = spawnGroup(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      env: this.childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      stopTimeoutMs: 5_000,
    });
    group.child.stdout?.pipe(stream, { end: false });
    group.child.stderr?.pipe(stream, { end: false });
    const proc: Proc = { name, group, log: logFile, killed: false };
    this.procs.add(proc);
    void group.exited.then(() => this.exitedOnItsOwn(proc));
    return proc;
  }

  /** Records a crash, then starts the process again as a supervisor would, so the run can still finish. */
  private async exitedOnItsOwn(proc: Proc): Promise<void> {
    this.procs.delete(proc);
    if (proc.killed || this.cleaning) return;
    const how = proc.group.child.signalCode ?? `code ${proc.group.child.exitCode}`;
    const last = (await this.tail(proc.name, 200)).split('\n').filter((line) => !line.startsWith('{') && line.trim()).slice(-6);
    this.crashes.push(`${proc.name} pid ${proc.group.pid} exited on its own (${how}) at ${new Date().toISOString()}: ${last.join(' | ').slice(0, 600)}`);
    this.log.error({ process: proc.name, how }, 'a process crashed; restarting it');
    try {
      if (proc === this.worker) await this.startWorker();
      else if (proc === this.api) await this.startApi();
    } catch (err) {
      this.crashes.push(`${proc.name} did not restart: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  async startApi(): Promise<void> {
    this.api = this.spawnProcess('api', 'api/main.ts');
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (this.api.group.child.exitCode !== null) throw new Error(`the API exited while starting:\n${await this.tail('api')}`);
      try {
        const res = await fetch(`${this.apiUrl}/health`, { signal: AbortSignal.timeout(3_000) });
        if (res.status === 200) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`the API did not answer /health in time:\n${await this.tail('api')}`);
      await sleep(200);
    }
  }

  /** Starts a worker process and waits until it polls the task queue (its pid in the poller identity). */
  async startWorker(): Promise<number> {
    if (this.workerAlive) throw new Error('a worker is already running');
    this.workerGeneration += 1;
    const proc = this.spawnProcess('worker', 'worker/main.ts');
    this.worker = proc;
    const pid = proc.group.pid;
    const started = Date.now();
    const deadline = started + 120_000;
    for (;;) {
      if (proc.group.child.exitCode !== null || proc.group.child.signalCode !== null) {
        throw new Error(`the worker exited while starting:\n${await this.tail('worker')}`);
      }
      if (await this.isPolling(pid)) return Date.now() - started;
      if (Date.now() > deadline) throw new Error(`the worker did not poll in time:\n${await this.tail('worker')}`);
      await sleep(250);
    }
  }

  private async isPolling(pid: number): Promise<boolean> {
    try {
      const { pollers } = await this.temporalClient!.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: this.taskQueue, kind: 1 },
        taskQueueType: 1, // workflow
      });
      return (pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`));
    } catch {
      return false;
    }
  }

  /** kill -9 of the worker process; resolves once it is gone. */
  async killWorker(): Promise<void> {
    const proc = this.worker;
    if (!proc) return;
    proc.killed = true;
    proc.group.signal('SIGKILL');
    await proc.group.exited;
  }

  // ------------------------------------------------------------ logs and cleanup

  async tail(name: string, lines = 30): Promise<string> {
    try {
      const text = await readFile(path.join(this.workDir, `${name}.log`), 'utf8');
      return text.trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Copies the process logs out of the temp dir (which cleanup removes), e.g. after a failed run. */
  async keepLogs(): Promise<string | undefined> {
    if (!this.options.logDir) return undefined;
    await mkdir(this.options.logDir, { recursive: true });
    for (const name of ['api', 'worker']) {
      await copyFile(path.join(this.workDir, `${name}.log`), path.join(this.options.logDir, `${name}.log`)).catch(() => undefined);
    }
    return this.options.logDir;
  }

  /** Synchronous last resort (process 'exit'): the processes are ended by their own exit handlers; the temp dirs go. */
  private readonly removeDirsNow = (): void => {
    rmSync(this.workDir, { recursive: true, force: true });
    rmSync(this.pgDir, { recursive: true, force: true });
  };

  /** Orderly: API and worker (SIGTERM, then SIGKILL), Temporal, PostgreSQL; then the temp dirs. Idempotent. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      await Promise.allSettled([...this.procs].map((proc) => proc.group.stop()));
      // A stopped process would sit on its SIGTERM until the stop timeout.
      this.resumeTemporal();
      await this.temporalConnection?.close().catch(() => undefined);
      await this.pool?.end().catch(() => undefined);
      await Promise.allSettled([this.temporal?.stop(), this.pg?.stop()]);
      this.temporal = undefined;
      this.pg = undefined;
      for (const stream of this.logStreams) stream.end();
      rmSync(this.workDir, { recursive: true, force: true });
      rmSync(this.pgDir, { recursive: true, force: true });
      process.removeListener('exit', this.removeDirsNow);
    })();
    return this.cleaning;
  }
}

/** Runs `main` with the stack cleaned up however it ends: normally, on an error, or on SIGINT/SIGTERM/SIGHUP. */
export async function withStack(stack: Stack, main: (stack: Stack) => Promise<number>): Promise<never> {
  let signalled: NodeJS.Signals | undefined;
  const signalCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    console.error(`\n${signal}: stopping every process this run started and removing its temp dirs…`);
    void stack.cleanup().finally(() => process.exit(signalCode(signal)));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  let code: number;
  try {
    code = await main(stack);
  } catch (err) {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    const kept = await stack.keepLogs().catch(() => undefined);
    if (kept) console.error(`API and worker logs kept in ${path.relative(process.cwd(), kept)}`);
    code = 1;
  }
  // Also after a signal: main may end (its processes killed under it) before the signal's cleanup has finished.
  await stack.cleanup();
  process.exit(signalled ? signalCode(signalled) : code);
}
