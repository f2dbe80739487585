// Determinism: every history recorded from earlier versions of the workflow (test/histories/*.json) must replay
// against today's code. Record new ones with `npm run record-histories` when a change ships behind patched().
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/create-worker';

const HISTORIES = path.join(__dirname, '..', 'histories');

function recordedHistories(): { workflowId: string; history: unknown }[] {
  return readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: path.basename(f, '.json'), history: JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8')) }));
}

async function replayAll(workflowsPath: string) {
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, recordedHistories())) results.push(result);
  return results;
}

describe('replay of recorded histories', () => {
  it('has histories covering the whole life, rejection, cancellation, escalation, a case parked on unstorable text, a credit the ledger refused, a PARTIAL completion, a refresh of the evidence, credit and debit memos and a write-off, the credit memos of runs from before the ledger, a case over two invoices, a deduction joining a case, an approval by a delegate, an approval offered on escalation and a task escalated to its lead', () => {
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
    const results = await replayAll(require.resolve('./reordered'));
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(r.error).toBeInstanceOf(DeterminismViolationError);
  });
});
