// An ops user's answer to a task: are the findings right, the amount confirmed, and what was checked.
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { teamLabel } from '../../lib/format';
import { formatMoney } from '../../../../domain/money';
import { showMoney, totalOf, moneyInput } from '../../lib/money';
import type { CaseTask, Finding } from '../../../../contract';
import { ErrorMessage, Field, fieldError } from '../common';

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
  const findingsTotal = findings.length ? totalOf(findings.map((f) => f.amount)) : null;
  const [amount, setAmount] = useState(findingsTotal && findingsTotal > 0n ? formatMoney(findingsTotal) : '');
  const [note, setNote] = useState('');
  const { error, setError, busy, run } = useCommand();

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!outcome) local.push({ field: 'outcome', message: 'say whether the findings are confirmed' });
    if (!note.trim()) local.push({ field: 'note', message: 'explain what you checked' });
    if (outcome === 'CONFIRMED' && amount.trim() && (moneyInput(amount) ?? 0n) <= 0n)
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
        <Field label="Confirmed amount (optional)" hint={findingsTotal ? `The findings add up to ${showMoney(findingsTotal, currency)}.` : undefined} error={fieldError(error, 'amount')}>
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
