// A deliberately broken change to the dispute workflow: it pulls the evidence before recording the opening.
// Replaying recorded histories against it must fail, proving the replay test can catch such a change.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../../activities';
import type { DisputeInput } from '../../../domain/messages';

const { collectEvidence, recordEvents } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
});

export async function disputeWorkflow(input: DisputeInput): Promise<void> {
  const at = new Date().toISOString();
  await collectEvidence({
    caseId: input.caseId,
    invoiceNumber: input.opened.invoiceNumber,
    disputedAmount: input.opened.disputedAmount,
    slot: { seq: 1, at },
  });
  await recordEvents({ caseId: input.caseId, events: [{ type: 'CASE_OPENED', actor: input.openedBy, data: input.opened, seq: 2, at }] });
}
