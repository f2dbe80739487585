// The production topology on this machine, owned end to end by one run (`npm run chaos`, `npm run schemathesis`): its
// own embedded PostgreSQL cluster (stoppable and restartable on the same port and data), a Temporal dev server on a
// database file (killable and restartable on the same port and file), and API and worker replicas (one of each
// unless asked for more) as separate OS processes started the way `npm run api` / `npm run worker` start them, but
// with node's tsx loader (not the tsx CLI) so that a SIGKILL hits the real process. Everything listens on and is reached through 127.0.0.1 only. cleanup()
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
  /** API replicas, each on a port of its own (1 by default). */
  apis?: number;
  /** Worker replicas on the one task queue (1 by default). */
  workers?: number;
}

type ProcKind = 'api' | 'worker';

interface Proc {
  kind: ProcKind;
  /** 0-based replica number. */
  index: number;
  /** `api-1`, `worker-2`: the log file's name and the name in the run's messages. */
  name: string;
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
  private apiPorts: number[] = [];
  /** The current process of each replica (a killed one stays until its replacement starts). */
  private readonly workers: (Proc | undefined)[];
  private readonly apis: (Proc | undefined)[];
  private readonly procs = new Set<Proc>();
  private readonly logStreams: WriteStream[] = [];
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
    this.apis = new Array<Proc | undefined>(options.apis ?? 1).fill(undefined);
    this.workers = new Array<Proc | undefined>(options.workers ?? 1).fill(undefined);
  }

  /** The first API replica's URL. */
  get apiUrl(): string {
    return this.apiUrls[0];
  }
  /** Every API replica's URL, in replica order (a load balancer's list). */
  get apiUrls(): string[] {
    return this.apiPorts.map((port) => `http://${HOST}:${port}`);
  }
  get temporalAddress(): string {
    return `${HOST}:${this.temporalPort}`;
  }
  get apiCount(): number {
    return this.apis.length;
  }
  get workerCount(): number {
    return this.workers.length;
  }
  /** The pid of each worker replica (undefined before its first start). */
  get workerPids(): (number | undefined)[] {
    return this.workers.map((proc) => proc?.group.pid);
  }
  workerAlive(index: number): boolean {
    return alive(this.workers[index]);
  }
  apiAlive(index: number): boolean {
    return alive(this.apis[index]);
  }
  /**
   * The PostgreSQL application_name of worker replica `index`'s sessions, so that a fault can tell whose
   * transactions are open. Set through DATABASE_URL, whose parameters `pg` lets override the pool's default.
   */
  workerApplicationName(index: number): string {
    return `${WORKER_APPLICATION_PREFIX}${index + 1}`;
  }
  get temporalUp(): boolean {
    return this.temporal !== undefined;
  }
  get postgresUp(): boolean {
    return this.pg !== undefined;
  }

  async start(): Promise<void> {
    [this.pgPort, this.temporalPort, ...this.apiPorts] = await Promise.all([getFreePort(), getFreePort(), ...this.apis.map(() => getFreePort())]);
    const servers = await startLocalStack({ postgres: this.postgresOptions(), temporal: this.temporalOptions(), log: this.log });
    this.pg = servers.postgres;
    this.temporal = servers.temporal;
    this.databaseUrl = await appDatabase(servers, DATABASE);
    // Its idle clients die with every PostgreSQL stop (F5): expected, so not logged.
    const silent = createLogger(this.options.name).child({}, { level: 'silent' });
    this.pool = createPool(this.databaseUrl, { max: 4, applicationName: `${this.options.name}-observer`, log: silent });
    this.temporalConnection = await Connection.connect({ address: this.temporalAddress });
    this.temporalClient = new Client({ connection: this.temporalConnection });
    await Promise.all([...this.apis.map((_, i) => this.startApi(i)), ...this.workers.map((_, i) => this.startWorker(i))]);
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

  private childEnv(kind: ProcKind, index: number): NodeJS.ProcessEnv {
    const databaseUrl = new URL(this.databaseUrl);
    if (kind === 'worker') databaseUrl.searchParams.set('application_name', this.workerApplicationName(index));
    // Only what a deployment sets; nothing of the caller's environment that could point elsewhere.
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      ...(kind === 'api' && { PORT: String(this.apiPorts[index]) }),
      DATABASE_URL: databaseUrl.toString(),
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ADMIN_TOKEN: this.adminToken,
      LOG_LEVEL: 'warn',
      ...this.options.env,
    };
  }

  private spawnProcess(kind: ProcKind, index: number): Proc {
    const name = `${kind}-${index + 1}`;
    const logFile = path.join(this.workDir, `${name}.log`);
    const stream = createWriteStream(logFile, { flags: 'a' });
    this.logStreams.push(stream);
    // node + tsx's loader: the pid we hold is the process that runs the code.
    const group = spawnGroup(process.execPath, ['--import', 'tsx', kind === 'api' ? 'api/main.ts' : 'worker/main.ts'], {
      cwd: ROOT,
      env: this.childEnv(kind, index),
      stdio: ['ignore', 'pipe', 'pipe'],
      stopTimeoutMs: 5_000,
    });
    group.child.stdout?.pipe(stream, { end: false });
    group.child.stderr?.pipe(stream, { end: false });
    const proc: Proc = { kind, index, name, group, log: logFile, killed: false };
    this.procs.add(proc);
    (kind === 'api' ? this.apis : this.workers)[index] = proc;
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
      if (proc === this.workers[proc.index]) await this.startWorker(proc.index);
      else if (proc === this.apis[proc.index]) await this.startApi(proc.index);
    } catch (err) {
      this.crashes.push(`${proc.name} did not restart: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** Starts API replica `index` on its port; resolves once it answers /health with 200, in ms. */
  async startApi(index = 0): Promise<number> {
    if (this.apiAlive(index)) throw new Error(`api-${index + 1} is already running`);
    const proc = this.spawnProcess('api', index);
    const url = this.apiUrls[index];
    const started = Date.now();
    const deadline = started + 90_000;
    for (;;) {
      if (!alive(proc)) throw new Error(`${proc.name} exited while starting:\n${await this.tail(proc.name)}`);
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
        if (res.status === 200) return Date.now() - started;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`${proc.name} did not answer /health in time:\n${await this.tail(proc.name)}`);
      await sleep(200);
    }
  }

  /** Starts worker replica `index` and waits until it polls the task queue (its pid in the poller identity), in ms. */
  async startWorker(index = 0): Promise<number> {
    if (this.workerAlive(index)) throw new Error(`worker-${index + 1} is already running`);
    const proc = this.spawnProcess('worker', index);
    const pid = proc.group.pid;
    const started = Date.now();
    const deadline = started + 120_000;
    for (;;) {
      if (!alive(proc)) throw new Error(`${proc.name} exited while starting:\n${await this.tail(proc.name)}`);
      if (await this.isPolling(pid)) return Date.now() - started;
      if (Date.now() > deadline) throw new Error(`${proc.name} did not poll in time:\n${await this.tail(proc.name)}`);
      await sleep(250);
    }
  }

  /** Starts every worker replica that is not running, together; the slowest start in ms. */
  async startWorkers(): Promise<number> {
    const starts = await Promise.all(this.workers.map((_, i) => (this.workerAlive(i) ? 0 : this.startWorker(i))));
    return Math.max(0, ...starts);
  }

  /** Starts again whatever replica is down (after a fault that failed half way). */
  async startMissing(): Promise<void> {
    await Promise.allSettled([
      ...this.apis.map((_, i) => (this.apiAlive(i) ? undefined : this.startApi(i))),
      ...this.workers.map((_, i) => (this.workerAlive(i) ? undefined : this.startWorker(i))),
    ]);
  }

  async isPolling(pid: number | undefined): Promise<boolean> {
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

  /** kill -9 of worker replica `index`; resolves once it is gone. */
  async killWorker(index = 0): Promise<void> {
    await kill(this.workers[index]);
  }

  /** kill -9 of every worker replica at once (a whole fleet lost); resolves once all are gone. */
  async killWorkers(): Promise<void> {
    const procs = this.workers.filter((proc) => proc !== undefined);
    for (const proc of procs) proc.killed = true;
    for (const proc of procs) proc.group.signal('SIGKILL');
    await Promise.all(procs.map((proc) => proc.group.exited));
  }

  /** kill -9 of API replica `index`; resolves once it is gone (its port then refuses connections). */
  async killApi(index: number): Promise<void> {
    await kill(this.apis[index]);
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
    for (const { name } of [...this.apis, ...this.workers].filter((proc) => proc !== undefined)) {
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

const WORKER_APPLICATION_PREFIX = 'ar-dispute-worker-';

function alive(proc: Proc | undefined): boolean {
  return Boolean(proc && proc.group.pid > 0 && proc.group.child.exitCode === null && proc.group.child.signalCode === null);
}

async function kill(proc: Proc | undefined): Promise<void> {
  if (!proc) return;
  proc.killed = true;
  proc.group.signal('SIGKILL');
  await proc.group.exited;
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
