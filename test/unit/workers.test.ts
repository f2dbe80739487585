// How the API counts the workers polling its task queue: a poller seen within the window is live (an idle worker's
// long poll leaves its stamp up to a minute old), one older is gone; one answer serves every command for a moment;
// a Temporal that does not answer says nothing (null), so commands go ahead and find out for themselves.
import type { Client } from '@temporalio/client';
import { WorkerProbe } from '../../api/workers';

function temporalWith(describe: () => Promise<{ pollers: { identity: string; lastAccessTime: { seconds: number; nanos: number } }[] }>) {
  const calls: unknown[] = [];
  const client = {
    withDeadline: <T>(_deadline: number, run: () => Promise<T>) => run(),
    workflowService: {
      describeTaskQueue: (request: unknown) => {
        calls.push(request);
        return describe();
      },
    },
  } as unknown as Client;
  return { client, calls };
}

const secondsAgo = (s: number) => {
  const ms = Date.now() - s * 1000;
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
};

it('counts the workers that polled within the window, each once', async () => {
  const { client, calls } = temporalWith(async () => ({
    pollers: [
      { identity: 'a@host1', lastAccessTime: secondsAgo(2) },
      { identity: 'a@host1', lastAccessTime: secondsAgo(30) },
      { identity: 'b@host2', lastAccessTime: secondsAgo(59) },
      { identity: 'c@host3', lastAccessTime: secondsAgo(200) },
    ],
  }));
  expect(await new WorkerProbe(client, 'ns', 'disputes').count()).toBe(2);
  expect(calls).toEqual([expect.objectContaining({ namespace: 'ns', taskQueue: expect.objectContaining({ name: 'disputes' }) })]);
  expect(await new WorkerProbe(client, 'ns', 'disputes', { livenessMs: 10_000 }).count()).toBe(1);
});

it('asks Temporal once per cache period, and answers null when Temporal does not answer', async () => {
  let answer: 'ok' | 'down' = 'ok';
  const { client, calls } = temporalWith(async () => {
    if (answer === 'down') throw new Error('14 UNAVAILABLE');
    return { pollers: [] };
  });
  const probe = new WorkerProbe(client, 'ns', 'disputes', { cacheMs: 60_000 });
  expect(await Promise.all([probe.count(), probe.count(), probe.count()])).toEqual([0, 0, 0]);
  expect(calls).toHaveLength(1);
  answer = 'down';
  expect(await new WorkerProbe(client, 'ns', 'disputes').count()).toBeNull();
});
