// What a command answers when Temporal says NOT_FOUND: the server says it for a workflow that does not exist and
// for an update that meets its run as the run completes (the chaos run's second of two simultaneous approvals got
// a 404 that way). The workflow's own status decides: closed 409, running 503 (retry with the key), gone 404.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { defineUpdate } from '@temporalio/workflow';
import { sendUpdate } from '../../api/commands';
import { toAppError } from '../../api/error-answer';
import type { RouteDeps } from '../../api/route';
import type { AuthUser } from '../../api/auth';

const approve = defineUpdate<string, [string]>('approve');
const user = { id: '00000000-0000-4000-8000-000000000001', role: 'manager' } as AuthUser;
const lost = () => new WorkflowNotFoundError('update not found', 'dispute:DSP-000001', undefined);

/** A Temporal client whose update fails with NOT_FOUND and whose describe answers `status` (or fails likewise). */
function depsWith(status: 'RUNNING' | 'COMPLETED' | 'GONE'): { deps: RouteDeps; outcomes: string[] } {
  const outcomes: string[] = [];
  const handle = {
    executeUpdate: () => Promise.reject(lost()),
    describe: () => (status === 'GONE' ? Promise.reject(lost()) : Promise.resolve({ status: { name: status } })),
  };
  const temporal = {
    withDeadline: <T>(_deadline: number, run: () => Promise<T>) => run(),
    workflow: { getHandle: () => handle },
  } as unknown as Client;
  const metrics = { commands: { inc: ({ outcome }: { outcome: string }) => outcomes.push(outcome) } };
  return { deps: { temporal, temporalTimeoutMs: 1_000, metrics, workers: { count: async () => 1 } } as unknown as RouteDeps, outcomes };
}

async function answer(status: 'RUNNING' | 'COMPLETED' | 'GONE'): Promise<{ status: number | undefined; outcomes: string[] }> {
  const { deps, outcomes } = depsWith(status);
  const err = await sendUpdate(deps, 'dispute:DSP-000001', approve, 'yes', { command: 'decide', user, idempotencyKey: 'k' }).catch((e: unknown) => e);
  return { status: toAppError(err)?.status, outcomes };
}

it('answers 409 when the case workflow has completed', async () => {
  expect(await answer('COMPLETED')).toEqual({ status: 409, outcomes: ['409'] });
});

it('answers 503 when the workflow still runs: the update was lost and a retry with the key is safe', async () => {
  const { status } = await answer('RUNNING');
  expect(status).toBe(503);
});

it('answers 404 when the workflow does not exist', async () => {
  expect(await answer('GONE')).toEqual({ status: 404, outcomes: ['404'] });
});
