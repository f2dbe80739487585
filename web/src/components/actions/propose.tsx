// The specialist's proposal: the adjustments (credit, debit, write-off; on an invoice of the case, on a line or
// spread over its lines) or no adjustment, and the root cause. Like every command form it only keeps people from
// asking what the server would refuse, and shows the refusal, each row's fields marked by name.
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { ADJUSTMENT_KIND_LABELS, ROOT_CAUSE_LABELS } from '../../lib/format';
import { parseMoney } from '../../../../domain/money';
import { ADJUSTMENT_KINDS, ROOT_CAUSES, type AdjustmentKind, type RootCause } from '../../../../domain/types';
import { showMoney, moneyInput } from '../../lib/money';
import type { DisputeDetail } from '../../../../contract';
import { ErrorMessage, Field, SubmitButton, fieldError } from '../common';

interface Row {
  kind: AdjustmentKind;
  invoiceNumber: string;
  lineNo: string;
  amount: string;
}

const positive = (amount: string | null): amount is string => amount !== null && parseMoney(amount) > 0n;

/** The recommendation as rows: each item's recommended credit and debit, on its invoice and line. */
function recommendedRows(dispute: DisputeDetail): Row[] {
  return dispute.items.flatMap((item) => {
    const at = { invoiceNumber: item.invoiceNumber, lineNo: item.lineNo === null ? '' : String(item.lineNo) };
    return [
      ...(positive(item.recommendedCredit) ? [{ kind: 'CREDIT' as const, ...at, amount: item.recommendedCredit }] : []),
      ...(positive(item.recommendedDebit) ? [{ kind: 'DEBIT' as const, ...at, amount: item.recommendedDebit }] : []),
    ];
  });
}

export function ProposeForm({ dispute, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const recommended = recommendedRows(dispute);
  const [type, setType] = useState<'ADJUST' | 'NO_CREDIT'>(recommended.length ? 'ADJUST' : 'NO_CREDIT');
  const [rows, setRows] = useState<Row[]>(
    recommended.length ? recommended : [{ kind: 'CREDIT', invoiceNumber: dispute.invoiceNumber, lineNo: '', amount: '' }],
  );
  const [rootCause, setRootCause] = useState<RootCause | ''>('');
  const [note, setNote] = useState('');
  const { error, setError, refuse, busy, run } = useCommand();
  const openBalance = dispute.invoice?.openBalance;

  const change = (i: number, patch: Partial<Row>) => {
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
    setError(undefined);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (type === 'ADJUST') {
      rows.forEach((r, i) => {
        if ((moneyInput(r.amount) ?? 0n) <= 0n) local.push({ field: `adjustments.${i}.amount`, message: 'enter an amount greater than 0 with at most 2 decimals' });
        if (r.lineNo.trim() && !/^[1-9]\d{0,8}$/.test(r.lineNo.trim())) local.push({ field: `adjustments.${i}.lineNo`, message: 'a line number, or empty to spread' });
      });
    }
    if (!rootCause) local.push({ field: 'rootCause', message: 'say where in the order-to-cash chain the error began' });
    if (local.length || !rootCause) {
      refuse('Please complete the proposal.', local);
      return;
    }
    const text = { rootCause, note: note.trim() || undefined };
    const adjustments = rows.map((r) => ({
      kind: r.kind,
      invoiceNumber: r.invoiceNumber,
      amount: r.amount.trim(),
      ...(r.lineNo.trim() ? { lineNo: Number(r.lineNo.trim()) } : {}),
    }));
    run(
      (key) => api.propose(dispute.id, type === 'ADJUST' ? { type, adjustments, ...text } : { type, ...text }, key),
      () => onDone(type === 'ADJUST' ? `${adjustments.length} adjustment(s) proposed: they now wait for a manager's approval.` : 'No adjustment: the case is closed.'),
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label="Propose a resolution" data-testid="propose-form">
      <ErrorMessage error={error} />
      <fieldset>
        <legend>Resolution</legend>
        <label className="choice">
          <input type="radio" name="type" value="ADJUST" checked={type === 'ADJUST'} onChange={() => setType('ADJUST')} /> Adjust the invoice
        </label>
        <label className="choice">
          <input type="radio" name="type" value="NO_CREDIT" checked={type === 'NO_CREDIT'} onChange={() => setType('NO_CREDIT')} /> No adjustment (invoice stands)
        </label>
      </fieldset>
      {type === 'ADJUST' ? (
        <fieldset data-testid="adjustment-rows">
          <legend>Adjustments</legend>
          <p className="hint">
            Recommended credit {showMoney(dispute.recommendedCredit, dispute.currency)}; credits and write-offs at most the disputed{' '}
            {showMoney(dispute.disputedAmount, dispute.currency)}
            {openBalance ? ` and the open balance ${showMoney(openBalance, dispute.currency)}` : ''}. No line: spread over the lines in order.
          </p>
          {rows.map((r, i) => (
            <div key={i} className="adjustment-row" data-testid="adjustment-row">
              <Field label={`Kind ${i + 1}`} error={fieldError(error, `adjustments.${i}.kind`)}>
                {(props) => (
                  <select {...props} name={`kind-${i}`} value={r.kind} onChange={(e) => change(i, { kind: e.target.value as AdjustmentKind })}>
                    {ADJUSTMENT_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {ADJUSTMENT_KIND_LABELS[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={`Invoice ${i + 1}`} error={fieldError(error, `adjustments.${i}.invoiceNumber`)}>
                {(props) => <input {...props} name={`invoice-${i}`} value={r.invoiceNumber} onChange={(e) => change(i, { invoiceNumber: e.target.value })} />}
              </Field>
              <Field label={`Line ${i + 1} (optional)`} error={fieldError(error, `adjustments.${i}.lineNo`)}>
                {(props) => <input {...props} name={`line-${i}`} inputMode="numeric" value={r.lineNo} onChange={(e) => change(i, { lineNo: e.target.value })} />}
              </Field>
              <Field label={`Amount ${i + 1}`} error={fieldError(error, `adjustments.${i}.amount`)}>
                {(props) => <input {...props} name={`amount-${i}`} inputMode="decimal" value={r.amount} onChange={(e) => change(i, { amount: e.target.value })} />}
              </Field>
              {rows.length > 1 ? (
                <button type="button" className="secondary" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  Remove adjustment {i + 1}
                </button>
              ) : null}
            </div>
          ))}
          <button
            type="button"
            className="secondary"
            onClick={() => setRows([...rows, { kind: 'CREDIT', invoiceNumber: dispute.invoiceNumber, lineNo: '', amount: '' }])}
          >
            Add an adjustment
          </button>
        </fieldset>
      ) : null}
      <Field label="Root cause" error={fieldError(error, 'rootCause')}>
        {(props) => (
          <select {...props} name="rootCause" value={rootCause} onChange={(e) => { setRootCause(e.target.value as RootCause | ''); setError(undefined); }}>
            <option value="">Choose where the error began…</option>
            {ROOT_CAUSES.map((c) => (
              <option key={c} value={c}>
                {ROOT_CAUSE_LABELS[c]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Note (optional)" error={fieldError(error, 'note')}>
        {(props) => <textarea {...props} name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Sending…">
          {type === 'ADJUST' ? 'Propose adjustments' : 'Close without adjustment'}
        </SubmitButton>
      </div>
    </form>
  );
}
