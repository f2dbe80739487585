// Determinism: every history recorded from earlier versions of the workflow (test/histories/*.json) must replay
// against today's code. Record new ones with `npm run record-histories` when a change ships behind patched().
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/create-worker';

const HISTORIES = path.join(__dirname, '..', 'histories');

interface RecordedHistory {
  workflowId: string;
  history: { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] };
}

function recordedHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: path.basename(f, '.json'), history: JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8')) }));
}

const workflowType = (h: RecordedHistory): string | undefined => h.history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

async function replayAll(workflowsPath: string, histories = recordedHistories()) {
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(result);
  return results;
}

describe('replay of recorded histories', () => {
  it('has a history of every shape the workflows have taken, each named below for what it covers', () => {
    const names = recordedHistories().map((h) => h.workflowId);
    expect(names).toEqual(
      expect.arrayContaining([
        'whole-life',
        'reject-and-repropose',
        'cancel-in-approval',
        'task-escalation',
        'parked-on-unstorable-opening',
        'parked-on-unstorable-note',
        'credit-refused-on-vanished-invoice',
        'adjust-credit-and-debit',
        'write-off',
        'v1-whole-life',
        'v1-reject-and-repropose',
        'v1-credit-refused-on-vanished-invoice',
        'partial-completion',
        'refresh-evidence',
        'two-invoice-case',
        'deduction-added',
        'routed-task',
        'notification-retried',
        'notification-refused',
        'owner-assigned',
        'customer-wait',
        'delegated-approval',
        'escalation-offered',
        'task-escalated-to-lead',
      ]),
    );
  });

  it('replays every recorded history against the current workflow', async () => {
    const results = await replayAll(WORKFLOWS_PATH);
    // Against the histories on disk, not the results: a replay that yielded nothing would agree with itself.
    expect(results.map((r) => ({ id: r.workflowId, error: r.error?.message }))).toEqual(
      recordedHistories().map((h) => ({ id: h.workflowId, error: undefined })),
    );
  });

  it('fails replay when the workflow reorders its steps', async () => {
    // The reordered bundle holds the dispute workflow only.
    const results = await replayAll(require.resolve('./reordered'), recordedHistories().filter((h) => workflowType(h) === 'disputeWorkflow'));
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(r.error).toBeInstanceOf(DeterminismViolationError);
  });
});
