// Temporal may still be starting (npm start, a rolling restart, a server failover): processes keep trying to
// connect for a minute before giving up, rather than dying on the first refusal.
import type { Logger } from './logger';

const CONNECT_FOR_MS = 60_000;

export async function connectWithRetry<T>(what: string, connect: () => Promise<T>, log: Logger): Promise<T> {
  const deadline = Date.now() + CONNECT_FOR_MS;
  for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, `${what} not reachable yet`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
