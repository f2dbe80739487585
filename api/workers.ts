// How many workers poll the dispute task queue, as Temporal last saw them. A command sent as a Workflow Update while
// none does would wait out its deadline and then apply whenever a worker comes back, long after its caller gave
// up: the API asks first, and refuses at once (503) without sending anything.
import type { Client } from '@temporalio/client';
import { temporal as proto, type google } from '@temporalio/proto';

/**
 * A live, idle worker holds a long poll open for up to a minute, and Temporal stamps a poller only when a poll
 * begins: its lastAccessTime may be ~60 s old while it waits (measured on the dev server: up to 55 s). A worker
 * that stopped keeps its last stamp until Temporal forgets it (5 minutes). So a poller seen within the last 70 s
 * counts as live. The price: for up to 70 s after the last worker dies, commands are still sent, and wait out
 * their deadline as before; a shorter window would refuse commands while a live worker waits for work.
 */
export const DEFAULT_WORKER_LIVENESS_MS = 70_000;
/** One DescribeTaskQueue per API process per this long, whatever the number of commands. */
export const DEFAULT_WORKER_CACHE_MS = 2_000;
const DESCRIBE_TIMEOUT_MS = 2_000;

export interface WorkerProbeOptions {
  livenessMs?: number;
  cacheMs?: number;
}

export class WorkerProbe {
  private readonly livenessMs: number;
  private readonly cacheMs: number;
  private cached: { at: number; count: Promise<number | null> } | null = null;

  constructor(
    private readonly temporal: Client,
    private readonly namespace: string,
    private readonly taskQueue: string,
    options: WorkerProbeOptions = {},
  ) {
    this.livenessMs = options.livenessMs ?? DEFAULT_WORKER_LIVENESS_MS;
    this.cacheMs = options.cacheMs ?? DEFAULT_WORKER_CACHE_MS;
  }

  /** Workers polling for workflow tasks; null when Temporal did not say (a command then goes ahead and finds out). */
  count(): Promise<number | null> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.cacheMs) this.cached = { at: now, count: this.describe() };
    return this.cached.count;
  }

  private async describe(): Promise<number | null> {
    try {
      const { pollers } = await this.temporal.withDeadline(Date.now() + DESCRIBE_TIMEOUT_MS, () =>
        this.temporal.workflowService.describeTaskQueue({
          namespace: this.namespace,
          taskQueue: { name: this.taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      // Temporal's clock against ours: a skew of a few seconds is small beside the window.
      const since = Date.now() - this.livenessMs;
      const live = new Set(
        (pollers ?? []).filter((p) => millis(p.lastAccessTime) >= since).map((p) => p.identity ?? ''),
      );
      return live.size;
    } catch {
      return null;
    }
  }
}

function millis(ts: google.protobuf.ITimestamp | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}
