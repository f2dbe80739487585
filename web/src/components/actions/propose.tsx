// The specialist's proposal: credit (how much) or no credit, and where in the order-to-cash chain the error began.
// Like every command form it only keeps people from asking what the server would refuse, and shows the refusal.
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { ROOT_CAUSES } from '../../lib/format';
import { parseMoney } from '../../../../domain/money';
import { showMoney, moneyInput } from '../../lib/money';
import type { DisputeDetail } from '../../../../contract';
import { ErrorMessage, Field, fieldError } from '../common';

export function ProposeForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const suggested = dispute.recommendedCredit && parseMoney(dispute.recommendedCredit) > 0n ? dispute.recommendedCredit : '';
  const [type, setType] = useState<'CREDIT' | 'NO_CREDIT'>(suggested ? 'CREDIT' : 'NO_CREDIT');
  const [amount, setAmount] = useState(suggested);
  const [rootCause, setRootCause] = useState('');
  const [otherCause, setOtherCause] = useState('');
  const [note, setNote] = useState('');
  const { error, setError, busy, run } = useCommand();
  const openBalance = dispute.invoice?.openBalance;

  function submit(event: FormEvent) {
    event.preventDefault();
    const cause = rootCause === 'other' ? otherCause.trim() : rootCause;
    const local: { field: string; message: string }[] = [];
    const credit = moneyInput(amount);
    if (type === 'CREDIT' && (credit ?? 0n) <= 0n) local.push({ field: 'amount', message: 'enter the credit, greater than 0 with at most 2 decimals' });
    if (type === 'CREDIT' && credit !== null && credit > parseMoney(dispute.disputedAmount))
      local.push({ field: 'amount', message: `is more than the disputed amount ${showMoney(dispute.disputedAmount, dispute.currency)}` });
    if (!cause) local.push({ field: 'rootCause', message: 'say where in the order-to-cash chain the error began' });
    if (local.length) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please complete the proposal.', local));
      return;
    }
    const text = { rootCause: cause, note: note.trim() || undefined };
    run(
      (key) => api.propose(dispute.id, type === 'CREDIT' ? { type, amount: amount.trim(), ...text } : { type, ...text }, key),
      () => onDone(type === 'CREDIT' ? `Credit of ${showMoney(amount, dispute.currency)} proposed: it now waits for a manager's approval.` : 'No credit: the case is closed.'),
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label="Propose a resolution" data-testid="propose-form">
      <ErrorMessage error={error} />
      <fieldset>
        <legend>Resolution</legend>
        <label className="choice">
          <input type="radio" name="type" value="CREDIT" checked={type === 'CREDIT'} onChange={() => setType('CREDIT')} /> Credit the customer
        </label>
        <label className="choice">
          <input type="radio" name="type" value="NO_CREDIT" checked={type === 'NO_CREDIT'} onChange={() => setType('NO_CREDIT')} /> No credit (invoice stands)
        </label>
      </fieldset>
      {type === 'CREDIT' ? (
        <Field
          label="Credit amount"
          hint={`Recommended ${showMoney(dispute.recommendedCredit, dispute.currency)}; at most the disputed ${showMoney(dispute.disputedAmount, dispute.currency)}${openBalance ? ` and the open balance ${showMoney(openBalance, dispute.currency)}` : ''}.`}
          error={fieldError(error, 'amount')}
        >
          {(props) => <input {...props} name="amount" inputMode="decimal" value={amount} onChange={(e) => { setAmount(e.target.value); setError(undefined); }} />}
        </Field>
      ) : null}
      <Field label="Root cause" error={fieldError(error, 'rootCause')}>
        {(props) => (
          <select {...props} name="rootCause" value={rootCause} onChange={(e) => { setRootCause(e.target.value); setError(undefined); }}>
            <option value="">Choose where the error began…</option>
            {ROOT_CAUSES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
            <option value="other">Other (describe)</option>
          </select>
        )}
      </Field>
      {rootCause === 'other' ? (
        <Field label="Describe the root cause">
          {(props) => <input {...props} name="rootCauseOther" value={otherCause} onChange={(e) => setOtherCause(e.target.value)} />}
        </Field>
      ) : null}
      <Field label="Note (optional)" error={fieldError(error, 'note')}>
        {(props) => <textarea {...props} name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : type === 'CREDIT' ? 'Propose credit' : 'Close without credit'}
        </button>
      </div>
    </form>
  );
}
