// Liveness of the two things every request needs: PostgreSQL and Temporal, each given ~2 s to answer.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

export interface Health {
  status: 'ok' | 'unavailable';
  postgres: 'ok' | 'unavailable';
  temporal: 'ok' | 'unavailable';
}

const PROBE_TIMEOUT_MS = 2_000;

export async function checkHealth(pool: Pool, temporal: Client): Promise<Health> {
  const [postgres, temporalOk] = await Promise.all([
    probe(() => pool.query('SELECT 1')),
    probe(() => temporal.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
  ]);
  const state = (ok: boolean) => (ok ? 'ok' : 'unavailable') as 'ok' | 'unavailable';
  return { status: state(postgres && temporalOk), postgres: state(postgres), temporal: state(temporalOk) };
}

async function probe(call: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([call().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long one probe's answer serves every /health request of this process. */
export const HEALTH_FRESH_MS = 1_000;

/** /health's probe, shared by the requests of one process. */
export interface SharedHealthCheck {
  (): Promise<Health>;
  /**
   * PostgreSQL or Temporal failed a request, or lost a connection, here: an "ok" is not served any longer, the next
   * /health probes again. An "unavailable" stays until it expires, so a flood of failures still costs a probe a second.
   */
  dependencyFailed(): void;
}

/**
 * /health under a flood: at most one probe runs at a time, and its answer serves every request for `freshMs` after
 * it ends, so a flood costs a probe a second, and a dependency that goes down shows within that second, or at once
 * when a request of this process meets it down first.
 */
export function sharedHealthCheck(check: () => Promise<Health>, freshMs = HEALTH_FRESH_MS): SharedHealthCheck {
  let last: { health: Health; at: number } | undefined;
  let running: Promise<Health> | undefined;
  let failures = 0;
  const read = () => {
    if (last && performance.now() - last.at < freshMs) return Promise.resolve(last.health);
    const failuresBefore = failures;
    running ??= check()
      .then((health) => {
        // An "ok" whose probe a failure overtook is answered to those who waited for it, and kept for nobody else.
        if (health.status !== 'ok' || failures === failuresBefore) last = { health, at: performance.now() };
        return health;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return Object.assign(read, {
    dependencyFailed: () => {
      failures += 1;
      if (last?.health.status === 'ok') last = undefined;
    },
  });
}
