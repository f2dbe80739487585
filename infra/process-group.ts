// A child process in a process group of its own: a terminal's Ctrl-C reaches only the parent, which stops its
// children in the order it chooses; stop() asks the whole group to end (SIGTERM), waits, then SIGKILL. Should the
// parent exit without stopping it, the group gets SIGTERM on the way out, so nothing outlives the parent. Every
// process this project starts and stops (the servers, the API and worker, `npm` in a test's clone) goes through here.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the program could not be run at all (then code is 127, as in a shell). */
  error?: Error;
}

export interface GroupChild {
  /** The group's leader; -1 when the program could not be run (`exited` then carries the error). */
  pid: number;
  /** The leader, for its pipes. */
  child: ChildProcess;
  /** Settles when the leader has exited: its code, or the signal that ended it. */
  exited: Promise<GroupExit>;
  /** True once stop() was called: an exit after that is no surprise. */
  readonly stopping: boolean;
  /** Sends `signal` to every process of the group at once (SIGKILL for a crash, SIGSTOP and SIGCONT for a freeze). */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface GroupOptions extends Omit<SpawnOptions, 'detached'> {
  stopTimeoutMs?: number;
  onStopTimeout?: () => void;
  /**
   * The polite request stop() makes before SIGKILL: SIGTERM to the whole group unless told otherwise. PostgreSQL's
   * postmaster wants SIGINT (fast shutdown) to itself alone: it ends its own backends.
   */
  stopSignal?: NodeJS.Signals;
  stopLeaderOnly?: boolean;
  /** What the parent's exit does to a group never stopped (synchronous work only); SIGTERM to the group by default. */
  onParentExit?: (group: GroupChild) => void;
}

export function spawnGroup(file: string, args: readonly string[], options: GroupOptions): GroupChild {
  const { stopTimeoutMs = 20_000, onStopTimeout, stopSignal = 'SIGTERM', stopLeaderOnly = false, onParentExit, ...spawnOptions } = options;
  const child = spawn(file, args, { ...spawnOptions, detached: true });
  const exited = new Promise<GroupExit>((resolve) => {
    // A program that cannot be run emits 'error' and no 'exit'.
    child.once('error', (error) => resolve({ code: 127, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid ?? -1;
  const signal = (name: NodeJS.Signals, target = -pid) => {
    if (pid <= 0) return;
    try {
      process.kill(target, name);
    } catch {
      /* already gone */
    }
  };
  const alive = () => child.exitCode === null && child.signalCode === null && pid > 0;

  let stopping: Promise<void> | undefined;
  const group: GroupChild = {
    pid,
    child,
    exited,
    get stopping() {
      return stopping !== undefined;
    },
    signal,
    stop: () =>
      (stopping ??= (async () => {
        if (!alive()) return;
        signal(stopSignal, stopLeaderOnly ? pid : -pid);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, stopTimeoutMs, 'timeout').unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          onStopTimeout?.();
          signal('SIGKILL');
          await exited;
        }
      })()),
  };
  const killOnExit = () => (onParentExit ? onParentExit(group) : signal('SIGTERM'));
  process.on('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  return group;
}

/** Each complete line a stream writes, as it comes (a partial last line waits for its end). */
export function onLines(stream: NodeJS.ReadableStream, line: (text: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) line(text);
  });
}
