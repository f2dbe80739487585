// The commands on a case, each offered only where its stage and the user's role allow it. The server decides
// anyway; these forms only keep people from asking for what would be refused, and show the refusal when it is.
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { ROOT_CAUSES, teamLabel } from '../lib/format';
import { compareMoney, formatMoney, isMoneyInput, sumMoney } from '../lib/money';
import type { CaseTask, DisputeDetail, Finding, Me, Resolution } from '../lib/types';
import { ErrorMessage, Field, Notice, fieldError } from './common';

/** Why this manager cannot decide on this proposal, or null. Mirrors the server's rule (domain/approval.ts). */
export function approvalBlock(me: Me, resolution: Resolution | null | undefined, currency = 'USD'): string | null {
  if (me.role !== 'manager') return 'Only a manager can decide on a resolution.';
  if (!resolution) return 'There is no proposal to decide on.';
  if (resolution.proposedBy && resolution.proposedBy.id === me.id) return 'You proposed this resolution: another manager must decide on it.';
  if (me.approvalLimit !== null && resolution.amount !== null && compareMoney(resolution.amount, me.approvalLimit) > 0) {
    return `The credit of ${formatMoney(resolution.amount, currency)} is over your approval limit of ${formatMoney(me.approvalLimit, currency)}: a manager with a higher limit must approve it.`;
  }
  return null;
}

// ---------------------------------------------------------------- specialist: propose

export function ProposeForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const suggested = dispute.recommendedCredit && compareMoney(dispute.recommendedCredit, '0') > 0 ? dispute.recommendedCredit : '';
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
    if (type === 'CREDIT' && (!isMoneyInput(amount) || compareMoney(amount, '0') <= 0)) local.push({ field: 'amount', message: 'enter the credit, greater than 0 with at most 2 decimals' });
    if (type === 'CREDIT' && isMoneyInput(amount) && compareMoney(amount, dispute.disputedAmount) > 0)
      local.push({ field: 'amount', message: `is more than the disputed amount ${formatMoney(dispute.disputedAmount, dispute.currency)}` });
    if (!cause) local.push({ field: 'rootCause', message: 'say where in the order-to-cash chain the error began' });
    if (local.length) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please complete the proposal.', local));
      return;
    }
    run(
      (key) => api.propose(dispute.id, { type, amount: type === 'CREDIT' ? amount.trim() : undefined, rootCause: cause, note: note.trim() || undefined }, key),
      () => onDone(type === 'CREDIT' ? `Credit of ${formatMoney(amount, dispute.currency)} proposed: it now waits for a manager's approval.` : 'No credit: the case is closed.'),
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
          hint={`Recommended ${formatMoney(dispute.recommendedCredit, dispute.currency)}; at most the disputed ${formatMoney(dispute.disputedAmount, dispute.currency)}${openBalance ? ` and the open balance ${formatMoney(openBalance, dispute.currency)}` : ''}.`}
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

// ---------------------------------------------------------------- manager: decide

export function DecisionForm({ dispute, me, onDone }: { dispute: DisputeDetail; me: Me; onDone(message: string): void }) {
  const [comment, setComment] = useState('');
  const { error, busy, run } = useCommand();
  const blocked = approvalBlock(me, dispute.resolution, dispute.currency);

  function decide(decision: 'APPROVE' | 'REJECT') {
    run(
      (key) => api.decide(dispute.id, { decision, comment: comment.trim() || undefined }, key),
      () => onDone(decision === 'APPROVE' ? 'Approved: the credit memo is being issued.' : 'Rejected: the case is back with the specialist.'),
    );
  }

  return (
    <form onSubmit={(e) => e.preventDefault()} className="form-grid" aria-label={`Decide on ${dispute.caseNumber}`} data-testid="decision-form">
      {blocked ? (
        <Notice kind="warning">
          <p data-testid="approval-blocked">{blocked}</p>
        </Notice>
      ) : null}
      <ErrorMessage error={error} />
      {!blocked ? (
        <>
          <Field label="Comment" hint="Recorded in the case trail with your decision." error={fieldError(error, 'comment')}>
            {(props) => <textarea {...props} name="comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />}
          </Field>
          <div className="form-actions">
            <button type="button" onClick={() => decide('APPROVE')} disabled={busy}>
              Approve {dispute.resolution?.amount ? formatMoney(dispute.resolution.amount, dispute.currency) : ''}
            </button>
            <button type="button" className="button-danger" onClick={() => decide('REJECT')} disabled={busy}>
              Reject
            </button>
          </div>
        </>
      ) : null}
    </form>
  );
}

// ---------------------------------------------------------------- ops: complete a task

export function CompleteTaskForm({
  task,
  findings,
  currency = 'USD',
  onDone,
}: {
  task: Pick<CaseTask, 'id' | 'team' | 'title'>;
  findings: Finding[];
  currency?: string;
  onDone(message: string): void;
}) {
  const [outcome, setOutcome] = useState<'CONFIRMED' | 'NOT_CONFIRMED' | ''>('');
  const findingsTotal = findings.length ? sumMoney(findings.map((f) => f.amount)) : null;
  const [amount, setAmount] = useState(findingsTotal && compareMoney(findingsTotal, '0') > 0 ? findingsTotal : '');
  const [note, setNote] = useState('');
  const { error, setError, busy, run } = useCommand();

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!outcome) local.push({ field: 'outcome', message: 'say whether the findings are confirmed' });
    if (!note.trim()) local.push({ field: 'note', message: 'explain what you checked' });
    if (outcome === 'CONFIRMED' && amount.trim() && (!isMoneyInput(amount) || compareMoney(amount, '0') <= 0))
      local.push({ field: 'amount', message: 'an amount greater than 0 with at most 2 decimals, or leave it empty' });
    if (local.length) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please complete the task form.', local));
      return;
    }
    run(
      (key) =>
        api.completeTask(
          task.id,
          { outcome: outcome as 'CONFIRMED' | 'NOT_CONFIRMED', note: note.trim(), amount: outcome === 'CONFIRMED' && amount.trim() ? amount.trim() : undefined },
          key,
        ),
      () => onDone(`Task for ${teamLabel(task.team)} completed.`),
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label={`Complete task: ${task.title}`} data-testid="complete-task-form">
      <ErrorMessage error={error} />
      <fieldset aria-describedby={fieldError(error, 'outcome') ? `outcome-error-${task.id}` : undefined}>
        <legend>Are the findings right?</legend>
        <label className="choice">
          <input type="radio" name={`outcome-${task.id}`} value="CONFIRMED" checked={outcome === 'CONFIRMED'} onChange={() => { setOutcome('CONFIRMED'); setError(undefined); }} /> Confirmed: the
          invoice is wrong as found
        </label>
        <label className="choice">
          <input type="radio" name={`outcome-${task.id}`} value="NOT_CONFIRMED" checked={outcome === 'NOT_CONFIRMED'} onChange={() => { setOutcome('NOT_CONFIRMED'); setError(undefined); }} /> Not
          confirmed: the invoice is right
        </label>
        {fieldError(error, 'outcome') ? (
          <p className="field-error" id={`outcome-error-${task.id}`}>
            {fieldError(error, 'outcome')}
          </p>
        ) : null}
      </fieldset>
      {outcome !== 'NOT_CONFIRMED' ? (
        <Field label="Confirmed amount (optional)" hint={findingsTotal ? `The findings add up to ${formatMoney(findingsTotal, currency)}.` : undefined} error={fieldError(error, 'amount')}>
          {(props) => <input {...props} name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
      ) : null}
      <Field label="Note" hint="What you checked and what you found: it goes in the case trail." error={fieldError(error, 'note')}>
        {(props) => <textarea {...props} name="note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Complete task'}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- specialist, manager: cancel

export function CancelForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const [reason, setReason] = useState('');
  const { error, setError, busy, run } = useCommand();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please give a reason.', [{ field: 'reason', message: 'say why the case is cancelled' }]));
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
          <button type="submit" className="button-danger" disabled={busy}>
            {busy ? 'Cancelling…' : 'Cancel case'}
          </button>
        </div>
      </form>
    </details>
  );
}
