// Opening a case on an invoice: how much the customer disputes, why, and what they said.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Field, Notice, Section, SubmitButton, fieldError } from '../../components/common';
import { parseMoney } from '../../../../domain/money';
import { showMoney, moneyInput } from '../../lib/money';
import { ReasonField, useOpenCase } from './opening';
import type { InvoiceAnswer, ReasonCode } from '../../../../contract';

export function OpenCaseForm({ invoice }: { invoice: InvoiceAnswer }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState<ReasonCode | ''>('');
  const [description, setDescription] = useState('');
  const { error, setError, busy, open } = useOpenCase();
  const nothingOpen = parseMoney(invoice.openBalance) <= 0n;

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if ((moneyInput(amount) ?? 0n) <= 0n) local.push({ field: 'disputedAmount', message: 'enter an amount greater than 0 with at most 2 decimals, e.g. 150.00' });
    open(reason, local, (reasonCode) => ({ invoiceNumber: invoice.number, disputedAmount: amount.trim(), reasonCode, description: description.trim() || undefined }));
  }

  return (
    <Section title="Open a dispute case" id="open-case">
      {nothingOpen ? <Notice kind="warning">This invoice has no open balance left to dispute.</Notice> : null}
      <form onSubmit={submit} noValidate className="form-grid">
        <ErrorMessage error={error} />
        <Field label="Disputed amount" hint={`At most the open balance, ${showMoney(invoice.openBalance, invoice.currency)}.`} error={fieldError(error, 'disputedAmount')}>
          {(props) => <input {...props} name="disputedAmount" inputMode="decimal" value={amount} onChange={(e) => { setAmount(e.target.value); setError(undefined); }} placeholder="0.00" />}
        </Field>
        <ReasonField value={reason} error={error} onChange={(r) => { setReason(r); setError(undefined); }} />
        <Field label="Description (optional)" hint="What the customer says, remittance reference, contacts." error={fieldError(error, 'description')}>
          {(props) => <textarea {...props} name="description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Opening…" disabled={nothingOpen}>
            Open case
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}
