// Scripted case lives for both sides of a comparison: a dispute (records imported, case started, task completed,
// resolution proposed, approved, memo issued) and the bare baseline (the same starts, updates and waits). Both
// learn that the first human step is possible the same way: a long poll on the workflow's history that returns
// when its first timer (the SLA of the first human wait) starts. Polling with queries instead would load the
// server and both workers with work that is neither side's, and flatten the ratios towards 1.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Pool } from 'pg';
import { storeRecords } from '../api/records-import';
import { completeTaskUpdate, decideUpdate, proposeResolutionUpdate, type CommandActor, type DisputeInput } from '../domain/messages';
import { createUser, disputeInput, pricingDispute, type TestUser } from '../testkit/fixtures';
import type { disputeWorkflow } from '../workflows/dispute';
import { bareAdvanceUpdate } from './bare/messages';
import type { bareWorkflow } from './bare/workflows';
import { sleep } from './support';

export type Kind = 'dispute' | 'bare';

export interface Actors {
  specialist: TestUser;
  manager: TestUser;
  salesOps: TestUser;
}

export async function createActors(pool: Pool): Promise<Actors> {
  return {
    specialist: await createUser(pool, 'specialist'),
    manager: await createUser(pool, 'manager', { approvalLimit: null }),
    salesOps: await createUser(pool, 'ops', { team: 'SALES_OPS' }),
  };
}

export const actorOf = ({ token: _token, ...actor }: TestUser): CommandActor => actor;

/** What a case needs before it starts (untimed): the dispute's source records, imported. */
export interface Prepared {
  kind: Kind;
  workflowId: string;
  input: DisputeInput | { id: string };
}

export interface OpenCase {
  kind: Kind;
  workflowId: string;
  /** The dispute's case id (the read model's key); the workflow id for the bare one. */
  caseId: string;
  handle: WorkflowHandleWithFirstExecutionRunId;
  startedAt: number;
}

export class Driver {
  constructor(
    readonly client: Client,
    readonly pool: Pool,
    readonly actors: Actors,
  ) {}

  async prepare(kind: Kind): Promise<Prepared> {
    if (kind === 'bare') {
      const id = randomUUID();
      return { kind, workflowId: `bare:${id}`, input: { id } };
    }
    const fixture = pricingDispute();
    await storeRecords(this.pool, fixture.records);
    const input = disputeInput({
      invoiceNumber: fixture.invoiceNumber,
      customerId: fixture.customerId,
      openedBy: this.actors.specialist,
      disputedAmount: '100.00',
      openedAt: new Date().toISOString(),
    });
    return { kind, workflowId: input.opened.workflowId, input };
  }

  async start(prepared: Prepared, taskQueue: string): Promise<OpenCase> {
    const startedAt = performance.now();
    const options = { workflowId: prepared.workflowId, taskQueue, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
    const handle =
      prepared.kind === 'dispute'
        ? await this.client.workflow.start<typeof disputeWorkflow>('disputeWorkflow', { ...options, args: [prepared.input as DisputeInput] })
        : await this.client.workflow.start<typeof bareWorkflow>('bareWorkflow', { ...options, args: [prepared.input as { id: string }] });
    const caseId = prepared.kind === 'dispute' ? (prepared.input as DisputeInput).caseId : prepared.workflowId;
    return { kind: prepared.kind, workflowId: prepared.workflowId, caseId, handle, startedAt };
  }

  /**
   * Returns once the case waits for its first human step. Both workflows start that wait's SLA timer in the
   * workflow task after the evidence's trail write, so a TimerStarted event in the history marks the moment.
   */
  async firstWait(c: OpenCase): Promise<void> {
    const request = {
      namespace: this.client.options.namespace,
      execution: { workflowId: c.workflowId, runId: c.handle.firstExecutionRunId },
      waitNewEvent: true,
      skipArchival: true,
      nextPageToken: undefined as Uint8Array | undefined,
    };
    for (;;) {
      const { history, nextPageToken } = await this.client.workflowService.getWorkflowExecutionHistory(request);
      if (history?.events?.some((e) => e.timerStartedEventAttributes)) return;
      if (!nextPageToken?.length) throw new Error(`${c.workflowId} closed before its first human wait`);
      request.nextPageToken = nextPageToken;
    }
  }

  /**
   * The first human step is possible: the dispute's open task id, as the ops inbox shows it (the read model is
   * written before the wait starts); the bare case has no task.
   */
  async waitForTask(c: OpenCase): Promise<string> {
    await this.firstWait(c);
    if (c.kind === 'bare') return '';
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id FROM tasks WHERE case_id = $1 AND status = 'OPEN'`, [c.caseId]);
    if (!rows[0]) throw new Error(`${c.workflowId} waits with no open task`);
    return rows[0].id;
  }

  async complete(c: OpenCase, taskId: string): Promise<void> {
    if (c.kind === 'bare') return void (await c.handle.executeUpdate(bareAdvanceUpdate, { args: [{ from: 'INVESTIGATION' }] }));
    await c.handle.executeUpdate(completeTaskUpdate, {
      args: [{ actor: actorOf(this.actors.salesOps), taskId, outcome: 'CONFIRMED', note: 'contract says 90.00', amount: null }],
    });
  }

  async propose(c: OpenCase): Promise<void> {
    if (c.kind === 'bare') return void (await c.handle.executeUpdate(bareAdvanceUpdate, { args: [{ from: 'RESOLUTION' }] }));
    await c.handle.executeUpdate(proposeResolutionUpdate, {
      args: [{ actor: actorOf(this.actors.specialist), type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP', note: null }],
    });
  }

  async decide(c: OpenCase): Promise<void> {
    if (c.kind === 'bare') return void (await c.handle.executeUpdate(bareAdvanceUpdate, { args: [{ from: 'APPROVAL' }] }));
    await c.handle.executeUpdate(decideUpdate, { args: [{ actor: actorOf(this.actors.manager), decision: 'APPROVE', comment: null }] });
  }

  async result(c: OpenCase): Promise<void> {
    const result = (await c.handle.result()) as { stage: string };
    if (result.stage !== 'DONE') throw new Error(`${c.workflowId} ended in ${result.stage}`);
  }

  /** Start to result: the whole scripted life; returns its latency in ms. */
  async life(prepared: Prepared, taskQueue: string): Promise<number> {
    const c = await this.wholeLife(prepared, taskQueue);
    return performance.now() - c.startedAt;
  }

  async wholeLife(prepared: Prepared, taskQueue: string): Promise<OpenCase> {
    const c = await this.start(prepared, taskQueue);
    await this.complete(c, await this.waitForTask(c));
    await this.propose(c);
    await this.decide(c);
    await this.result(c);
    return c;
  }

  /** Opens a case and brings it to APPROVAL (for recovery runs). */
  async toApproval(prepared: Prepared, taskQueue: string): Promise<OpenCase> {
    const c = await this.start(prepared, taskQueue);
    await this.complete(c, await this.waitForTask(c));
    await this.propose(c);
    return c;
  }
}

/**
 * Open-loop background load: a new whole case life every 1/rate seconds until stopped (R5 runs its reports under
 * it). Failures are counted, not thrown: the load is the backdrop, not the figure.
 */
export function backgroundLoad(driver: Driver, kind: Kind, taskQueue: string, perSecond: number) {
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  let completed = 0;
  let failed = 0;
  const lives: number[] = [];
  const loop = (async () => {
    const interval = 1000 / perSecond;
    let next = performance.now();
    while (!stopped) {
      const life = driver
        .prepare(kind)
        .then((p) => driver.life(p, taskQueue))
        .then(
          (ms) => void (completed++, lives.push(ms)),
          () => void failed++,
        );
      inFlight.add(life);
      void life.finally(() => inFlight.delete(life));
      next += interval;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
      return { completed, failed, lives };
    },
  };
}
