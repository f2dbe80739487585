// Pulling the records again (a specialist, in INVESTIGATION or RESOLUTION): after someone fixed a work order, a PO
// or a price at the source, the findings, the tasks and the evidence hash follow what the records say now.
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import type { DisputeDetail } from '../../../../contract';
import { ErrorMessage, SubmitButton } from '../common';

export function RefreshEvidenceForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  // One key per click: a double click or a retry after a lost answer refreshes once.
  const { error, busy, run } = useCommand();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        run(
          (key) => api.refreshEvidence(dispute.id, key),
          (answer) =>
            onDone(
              answer.stage === 'RESOLUTION'
                ? 'Evidence refreshed: no task is open any more, the case is ready for a resolution.'
                : 'Evidence refreshed: the findings and tasks follow the records as they are now.',
            ),
        );
      }}
      className="form-grid"
      aria-label="Refresh the evidence"
      data-testid="refresh-evidence"
    >
      <ErrorMessage error={error} />
      <p className="muted">
        A source record was fixed (a work order, a PO, a contract price)? Pull the records again: findings are recomputed,
        tasks whose findings are gone are cancelled, and a decision on the old evidence is refused.
      </p>
      <div className="form-actions">
        <SubmitButton className="button-secondary" busy={busy} busyLabel="Refreshing…">
          Refresh evidence
        </SubmitButton>
      </div>
    </form>
  );
}
