// An ops user's answer to a task: are its findings right — all of them, none, or each in part — and what was checked.
// What it confirms is what the recommended credit is computed from once every task is done.
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { FINDING_LABELS, label, teamLabel } from '../../lib/format';
import { formatMoney, parseMoney } from '../../../../domain/money';
import { showMoney, totalOf, moneyInput } from '../../lib/money';
import type { CaseFinding, CaseTask, CompleteTaskRequest } from '../../../../contract';
import { ErrorMessage, Field, SubmitButton, fieldError } from '../common';

type Outcome = CompleteTaskRequest['outcome'];

export function CompleteTaskForm({
  task,
  findings,
  currency = 'USD',
  onDone,
}: {
  task: Pick<CaseTask, 'id' | 'team' | 'title'>;
  /** Every finding of the task: a PARTIAL answer counts those it does not name as 0. */
  findings: CaseFinding[];
  currency?: string;
  onDone(message: string): void;
}) {
  const [outcome, setOutcome] = useState<Outcome | ''>('');
  // Each finding's confirmed amount as typed, starting from its amount.
  const [amounts, setAmounts] = useState<Record<string, string>>(() => Object.fromEntries(findings.map((f) => [f.id, f.amount])));
  const [note, setNote] = useState('');
  // The ids in the order they were sent: the server names a refused one by its place (findings.N.confirmedAmount).
  const [sent, setSent] = useState<string[]>([]);
  const { error, setError, refuse, busy, run } = useCommand();
  const findingsTotal = findings.length ? totalOf(findings.map((f) => f.amount)) : null;

  const choose = (next: Outcome) => {
    setOutcome(next);
    setError(undefined);
  };
  const setAll = (pick: (f: CaseFinding) => string) => {
    setAmounts(Object.fromEntries(findings.map((f) => [f.id, pick(f)])));
    setError(undefined);
  };
  const rowError = (id: string): string | undefined => {
    const local = fieldError(error, `finding-${id}`);
    const at = sent.indexOf(id);
    return local ?? (at >= 0 ? (fieldError(error, `findings.${at}.confirmedAmount`) ?? fieldError(error, `findings.${at}.id`)) : undefined);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!outcome) local.push({ field: 'outcome', message: 'say whether the findings are confirmed' });
    if (!note.trim()) local.push({ field: 'note', message: 'explain what you checked' });
    const confirmations: { id: string; confirmedAmount: string }[] = [];
    if (outcome === 'PARTIAL') {
      for (const f of findings) {
        const typed = moneyInput(amounts[f.id] ?? '');
        if (typed === null) local.push({ field: `finding-${f.id}`, message: 'an amount with at most 2 decimals (0 refutes it)' });
        else if (typed > parseMoney(f.amount)) local.push({ field: `finding-${f.id}`, message: `at most the finding's ${showMoney(f.amount, currency)}` });
        // A finding left out counts 0: only what is confirmed is sent, so a long task stays a small request.
        else if (typed > 0n) confirmations.push({ id: f.id, confirmedAmount: formatMoney(typed) });
      }
      if (!local.length && !confirmations.length) local.push({ field: 'outcome', message: 'every amount is 0: choose “Refute all” instead' });
    }
    if (local.length) {
      refuse('Please complete the task form.', local);
      return;
    }
    const body: CompleteTaskRequest =
      outcome === 'PARTIAL' ? { outcome, note: note.trim(), findings: confirmations } : { outcome: outcome as Exclude<Outcome, 'PARTIAL'>, note: note.trim() };
    setSent(confirmations.map((c) => c.id));
    run(
      (key) => api.completeTask(task.id, body, key),
      () => onDone(`Task for ${teamLabel(task.team)} completed.`),
    );
  }

  const radio = (value: Outcome, text: string) => (
    <label className="choice">
      <input type="radio" name={`outcome-${task.id}`} value={value} checked={outcome === value} onChange={() => choose(value)} /> {text}
    </label>
  );

  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label={`Complete task: ${task.title}`} data-testid="complete-task-form">
      <ErrorMessage error={error} />
      <fieldset aria-describedby={fieldError(error, 'outcome') ? `outcome-error-${task.id}` : undefined}>
        <legend>Are the findings right?</legend>
        {radio('CONFIRMED', `Confirmed: every finding in full${findingsTotal !== null ? ` (${showMoney(findingsTotal, currency)})` : ''}`)}
        {radio('NOT_CONFIRMED', 'Not confirmed: the invoice is right, none of them counts')}
        {radio('PARTIAL', 'Partly confirmed: an amount for each finding')}
        {fieldError(error, 'outcome') ? (
          <p className="field-error" id={`outcome-error-${task.id}`}>
            {fieldError(error, 'outcome')}
          </p>
        ) : null}
      </fieldset>
      {outcome === 'PARTIAL' ? (
        <fieldset data-testid="finding-confirmations">
          <legend>What each finding comes to</legend>
          <div className="form-actions">
            <button type="button" className="button-secondary button-small" onClick={() => setAll((f) => f.amount)}>
              Confirm all
            </button>
            <button type="button" className="button-secondary button-small" onClick={() => setAll(() => '0.00')}>
              Refute all
            </button>
          </div>
          {findings.map((f) => (
            <Field
              key={f.id}
              label={`${label(FINDING_LABELS, f.code)}, ${f.lineNo === undefined ? 'the invoice' : `line ${f.lineNo}`}: confirmed amount`}
              hint={`Found ${showMoney(f.amount, currency)} (expected ${f.expected}, billed ${f.actual}).`}
              error={rowError(f.id)}
            >
              {(props) => (
                <input
                  {...props}
                  name={`confirmed-${f.id}`}
                  data-finding={f.id}
                  inputMode="decimal"
                  value={amounts[f.id] ?? ''}
                  onChange={(e) => {
                    setAmounts({ ...amounts, [f.id]: e.target.value });
                    setError(undefined);
                  }}
                />
              )}
            </Field>
          ))}
        </fieldset>
      ) : null}
      <Field label="Note" hint="What you checked and what you found: it goes in the case trail." error={fieldError(error, 'note')}>
        {(props) => <textarea {...props} name="note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Sending…">
          Complete task
        </SubmitButton>
      </div>
    </form>
  );
}
