// What a person starting the stack is told when it cannot start: one plain line that says what happened and what
// to do, never a stack trace. The parts that know a failure's cause (a port check, the PostgreSQL and Temporal
// launchers) throw a StartFailure with that line; anything else is reduced to its first line here.
import { ConfigError } from './config';

/** A start-up failure whose message is the one line to show, written for the person who typed the command. */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
}

/** One line for any error thrown while starting: the StartFailure's own, or the gist of anything else. */
export function startFailureLine(err: unknown): string {
  if (err instanceof StartFailure) return err.message;
  if (err instanceof ConfigError) return `the configuration is invalid: ${err.issues.join('; ')}.`;
  const errno = err as NodeJS.ErrnoException;
  if (errno?.code === 'EACCES' && errno.syscall?.startsWith('spawn')) {
    return `cannot run ${errno.path ?? 'a program'} (permission denied): the user running it cannot reach that folder.`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n').find((line) => line.trim()) ?? 'unknown error';
  return `${first.trim()} (LOG_LEVEL=debug shows the details).`;
}
