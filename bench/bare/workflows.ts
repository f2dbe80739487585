// The R1 baseline: the dispute workflow's shape with none of its logic. Same activity options, the same 8
// activities (record ×6, evidence, memo) written one after another, 3 updates that each write a record before
// answering, and 3 human waits raced against a timer (48 h, 72 h, 24 h), as in the whole-life history.
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBareActivities } from './activities';
import { bareAdvanceUpdate, type BareStage } from './messages';

type Activities = ReturnType<typeof createBareActivities>;

const { record, memo } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const { evidence } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const NEXT: Partial<Record<BareStage, BareStage>> = { INVESTIGATION: 'RESOLUTION', RESOLUTION: 'APPROVAL', APPROVAL: 'CREDIT_MEMO' };
const WAIT_HOURS: Partial<Record<BareStage, number>> = { INVESTIGATION: 48, RESOLUTION: 72, APPROVAL: 24 };

export async function bareWorkflow(input: { id: string }): Promise<{ stage: BareStage }> {
  let stage: BareStage = 'EVIDENCE';
  // Writes run one after another, like the dispute's trail.
  let tail: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(write: () => Promise<T>): Promise<T> => {
    const run = tail.then(write);
    tail = run.catch(() => undefined);
    return run;
  };

  setHandler(
    bareAdvanceUpdate,
    async ({ from }) => {
      stage = NEXT[from]!;
      await inOrder(() => record({ id: input.id, step: from }));
      return { stage };
    },
    {
      validator: ({ from }: { from: BareStage }) => {
        if (from !== stage || !NEXT[from]) throw new Error(`cannot advance from ${from} in ${stage}`);
      },
    },
  );

  await inOrder(() => record({ id: input.id, step: 'OPENED' }));
  await inOrder(() => evidence({ id: input.id }));
  stage = 'INVESTIGATION';
  await inOrder(() => record({ id: input.id, step: 'INVESTIGATION' }));
  for (const waiting of ['INVESTIGATION', 'RESOLUTION', 'APPROVAL'] as const) {
    await condition(() => stage !== waiting, WAIT_HOURS[waiting]! * 3_600_000);
  }
  await inOrder(() => memo({ id: input.id }));
  stage = 'DONE';
  await inOrder(() => record({ id: input.id, step: 'DONE' }));
  await condition(allHandlersFinished);
  return { stage };
}
