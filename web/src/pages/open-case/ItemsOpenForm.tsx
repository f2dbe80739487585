// Opening one case over several invoices of a customer: tick the invoices found, each disputed for its own amount
// (by default what is still collectible on it, i.e. not already in another open case), with one reason.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Field, Section, fieldError } from '../../components/common';
import { ApiError, api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { REASON_LABELS } from '../../lib/format';
import { moneyInput, showMoney } from '../../lib/money';
import { navigate } from '../../lib/router';
import type { InvoiceSummary, ReasonCode } from '../../../../contract';
import { REASON_CODES } from '../../../../domain/types';

export function ItemsOpenForm({ invoices, chosen, amounts, onAmount }: {
  invoices: InvoiceSummary[];
  chosen: string[];
  amounts: Record<string, string>;
  onAmount: (number: string, amount: string) => void;
}) {
  const [reason, setReason] = useState<ReasonCode | ''>('');
  const [description, setDescription] = useState('');
  const { error, setError, busy, run } = useCommand([['invoices'], ['disputes']]);
  const picked = chosen.map((n) => invoices.find((i) => i.number === n)).filter((i): i is InvoiceSummary => Boolean(i));

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!picked.length) local.push({ field: 'items', message: 'tick at least one invoice' });
    picked.forEach((inv, index) => {
      if ((moneyInput(amounts[inv.number] ?? '') ?? 0n) <= 0n) {
        local.push({ field: `items.${index}.disputedAmount`, message: `enter the amount disputed on ${inv.number}, e.g. 150.00` });
      }
    });
    if (!reason) local.push({ field: 'reasonCode', message: 'choose the reason the customer gives' });
    if (local.length) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please complete the form.', local));
      return;
    }
    run(
      (key) =>
        api.openDispute(
          {
            reasonCode: reason as ReasonCode,
            description: description.trim() || undefined,
            items: picked.map((inv) => ({ invoiceNumber: inv.number, disputedAmount: (amounts[inv.number] ?? '').trim() })),
          },
          key,
        ),
      (opened) => navigate(`/cases/${opened.caseNumber}`, { opened: '1' }),
    );
  }

  return (
    <Section title="Open one case over the invoices ticked" id="open-items">
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Open one case over several invoices">
        <ErrorMessage error={error} />
        {picked.map((inv, index) => (
          <Field
            key={inv.number}
            label={`Disputed on ${inv.number}`}
            hint={`Collectible ${showMoney(inv.collectible, inv.currency)} of the open balance ${showMoney(inv.openBalance, inv.currency)}.`}
            error={fieldError(error, `items.${index}.disputedAmount`) ?? fieldError(error, `items.${index}.invoiceNumber`)}
          >
            {(props) => (
              <input
                {...props}
                name={`items.${index}.disputedAmount`}
                inputMode="decimal"
                value={amounts[inv.number] ?? ''}
                onChange={(e) => {
                  onAmount(inv.number, e.target.value);
                  setError(undefined);
                }}
              />
            )}
          </Field>
        ))}
        <Field label="Reason" error={fieldError(error, 'reasonCode')}>
          {(props) => (
            <select {...props} name="reasonCode" value={reason} onChange={(e) => { setReason(e.target.value as ReasonCode); setError(undefined); }}>
              <option value="">Choose a reason…</option>
              {REASON_CODES.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Description (optional)" error={fieldError(error, 'description')}>
          {(props) => <textarea {...props} name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy || !picked.length}>
            {busy ? 'Opening…' : `Open case over ${picked.length} invoice${picked.length === 1 ? '' : 's'}`}
          </button>
        </div>
      </form>
    </Section>
  );
}
