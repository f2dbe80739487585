// A child process in a process group of its own: a terminal's Ctrl-C reaches only the parent, which stops its
// children in the order it chooses; stop() sends SIGTERM to the whole group, waits, then SIGKILL. Should the parent
// exit without stopping it, the group gets SIGTERM on the way out, so nothing outlives the parent.
import { spawn, type SpawnOptions } from 'node:child_process';

export interface GroupChild {
  pid: number;
  /** Settles when the process has exited: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once stop() was called: an exit after that is no surprise. */
  readonly stopping: boolean;
  stop(): Promise<void>;
}

export function spawnGroup(
  file: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'detached'> & { stopTimeoutMs?: number; onStopTimeout?: () => void },
): GroupChild {
  const { stopTimeoutMs = 20_000, onStopTimeout, ...spawnOptions } = options;
  const child = spawn(file, args, { ...spawnOptions, detached: true });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // A program that cannot be run emits 'error' and no 'exit': it counts as an exit with code 127, as in a shell.
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid ?? -1;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  const killOnExit = () => signalGroup('SIGTERM');
  process.on('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    get stopping() {
      return stopping !== undefined;
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null || pid <= 0) return;
        signalGroup('SIGTERM');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, stopTimeoutMs, 'timeout').unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          onStopTimeout?.();
          signalGroup('SIGKILL');
          await exited;
        }
      })()),
  };
}
