// Cancelling a case (specialist or manager), with the reason the trail keeps.
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import type { DisputeDetail } from '../../../../contract';
import { ErrorMessage, Field, SubmitButton, fieldError } from '../common';

export function CancelForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const [reason, setReason] = useState('');
  const { error, refuse, busy, run } = useCommand();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) {
      refuse('Please give a reason.', [{ field: 'reason', message: 'say why the case is cancelled' }]);
      return;
    }
    run(
      (key) => api.cancel(dispute.id, { reason: reason.trim() }, key),
      () => onDone('The case is cancelled; its open tasks are cancelled too.'),
    );
  }
  return (
    <details className="cancel-case">
      <summary>Cancel this case…</summary>
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Cancel the case">
        <ErrorMessage error={error} />
        <Field label="Reason for cancelling" error={fieldError(error, 'reason')}>
          {(props) => <input {...props} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <SubmitButton className="button-danger" busy={busy} busyLabel="Cancelling…">
            Cancel case
          </SubmitButton>
        </div>
      </form>
    </details>
  );
}
