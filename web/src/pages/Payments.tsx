// Money in: posting a file of payments (JSON, as POST /api/payments takes it, or a bank's camt.054), working the
// cash no invoice took, and the deductions customers took on the invoices they paid.
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { CursorListBody, DataTable, ErrorMessage, Field, FilterForm, Money, Notice, Section, StatusBadge, SubmitButton, fieldError, useRoleIn } from '../components/common';
import { api } from '../lib/api';
import { parsedJson, useCommand } from '../lib/commands';
import { useCursorList } from '../lib/cursor-list';
import { REASON_LABELS, label, statusLabel } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { href } from '../lib/router';
import { CustomerLink } from './OpenItems';
import type { DeductionStatus, postPaymentsResponse, unappliedCashOut } from '../../../contract';
import { CASE_READERS, CASH_APPLIERS, CASH_POSTERS, DEDUCTION_STATUSES } from '../../../domain/types';

const PAGE_SIZE = 50;

/** What posting or applying changes: the worklists, and the invoices' paid, open and collectible balances. */
const MONEY_KEYS = [['unapplied-cash'], ['deductions'], ['invoice'], ['invoices'], ['open-items']];

const EXAMPLE = `{
  "payments": [
    { "id": "PAY-1", "customerId": "CUST-1", "receivedAt": "2026-12-01T10:00:00Z", "currency": "USD", "amount": "1000.00",
      "remittance": [
        { "invoiceNumber": "INV-1", "paid": "900.00",
          "deductions": [{ "amount": "100.00", "reasonCode": "PRICE", "note": "Contract price 90.00" }] }
      ] }
  ]
}`;

export function PaymentsPage() {
  // Managers and auditors read the deductions only: the cash is the appliers' (and the specialists' and admins').
  const worksCash = useRoleIn(CASH_POSTERS);
  const applies = useRoleIn(CASH_APPLIERS);
  const title = worksCash ? 'Payments' : 'Deductions';
  useDocumentTitle(title);
  return (
    <div className="page">
      <h1>{title}</h1>
      {worksCash ? <PostPayments /> : null}
      {worksCash ? <UnappliedCash canApply={applies} /> : null}
      <Deductions />
    </div>
  );
}

function PostPayments() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<z.infer<typeof postPaymentsResponse> | null>(null);
  const { error, setError, busy, run, newIntent } = useCommand(MONEY_KEYS);

  async function readFile(file: File | undefined) {
    if (!file) return;
    setText(await file.text());
    newIntent();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    // A bank's notification goes as it is: the server validates it against its XSD and names what breaks it.
    if (text.trimStart().startsWith('<')) {
      run(
        (key) => api.postCamt054(text, key),
        (answer) => setResult(answer),
      );
      return;
    }
    const parsed = parsedJson(text, setError);
    if (!parsed) return;
    run(
      (key) => api.postPayments(parsed.value, key),
      (answer) => setResult(answer),
    );
  }

  return (
    <Section title="Post payments" id="post-payments">
      <p className="muted">
        Each payment is matched to its customer's invoices by the remittance; what no invoice takes stays unapplied below.
        A payment id posted before changes nothing. A JSON file as POST /api/payments takes it, or the bank's camt.054
        notification (ISO 20022, versions 001.02, 001.04 and 001.08).
      </p>
      <form onSubmit={submit} noValidate className="form-grid">
        <ErrorMessage error={error} />
        {result ? (
          <Notice kind="success">
            <p data-testid="payments-result">
              Posted {result.payments} payments: {result.applied} applied to invoices, {result.deductions} deductions,{' '}
              {result.casesOpened} cases opened, {result.unapplied} unapplied.
            </p>
          </Notice>
        ) : null}
        <Field label="Payments file">
          {(props) => <input {...props} type="file" accept="application/json,.json,application/xml,text/xml,.xml" onChange={(e) => void readFile(e.target.files?.[0])} />}
        </Field>
        <Field label="Payments (JSON or camt.054 XML)" hint="The shape of POST /api/payments, or a camt.054 document." error={fieldError(error, 'payments')}>
          {(props) => (
            <textarea
              {...props}
              name="payments"
              rows={12}
              className="code-input"
              value={text}
              placeholder={EXAMPLE}
              onChange={(e) => {
                setText(e.target.value);
                newIntent();
              }}
              spellCheck={false}
            />
          )}
        </Field>
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Posting…" disabled={!text.trim()}>
            Post payments
          </SubmitButton>
        </div>
      </form>
    </Section>
  );
}

type Unapplied = z.infer<typeof unappliedCashOut>;

function UnappliedCash({ canApply }: { canApply: boolean }) {
  const list = useCursorList(['unapplied-cash'], (cursor, signal) => api.unappliedCash({ limit: PAGE_SIZE, cursor }, signal));
  return (
    <Section title="Unapplied cash" id="unapplied">
      <CursorListBody list={list} what="unapplied cash" empty="No unapplied cash." moreLabel={`Show ${PAGE_SIZE} more`}>
        {(items) => (
          <DataTable
            testId="unapplied-table"
            caption="Unapplied cash, newest first"
            columns={['Payment', 'Customer', 'Reference', { label: 'Left to apply', numeric: true }, canApply && 'Apply to an invoice']}
          >
            {items.map((item) => (
              <tr key={item.id} data-payment={item.paymentId}>
                <th scope="row">{item.paymentId}</th>
                <td>{item.customerId ? <CustomerLink customerId={item.customerId} /> : '—'}</td>
                <td>{item.reference ?? '—'}</td>
                <td className="num">
                  <Money amount={item.amount} currency={item.currency} />
                </td>
                {canApply ? (
                  <td>
                    <ApplyForm item={item} />
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        )}
      </CursorListBody>
    </Section>
  );
}

function ApplyForm({ item }: { item: Unapplied }) {
  const [invoiceNumber, setInvoiceNumber] = useState('');
  const [amount, setAmount] = useState(item.amount);
  const [done, setDone] = useState<string | null>(null);
  const { error, busy, run, newIntent } = useCommand(MONEY_KEYS);

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    run(
      (key) => api.applyUnapplied(item.id, { invoiceNumber: invoiceNumber.trim(), amount: amount.trim() }, key),
      (answer) => setDone(`Applied to ${invoiceNumber.trim()}; ${answer.amount} left.`),
    );
  }
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    newIntent();
  };

  return (
    <form onSubmit={submit} noValidate className="form-grid form-columns" aria-label={`Apply ${item.paymentId}`}>
      <ErrorMessage error={error} />
      {done ? <p role="status">{done}</p> : null}
      <Field label={`Invoice number for ${item.paymentId}`} error={fieldError(error, 'invoiceNumber')}>
        {(props) => <input {...props} value={invoiceNumber} onChange={(e) => edit(setInvoiceNumber)(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={`Amount for ${item.paymentId}`} error={fieldError(error, 'amount')}>
        {(props) => <input {...props} inputMode="decimal" value={amount} onChange={(e) => edit(setAmount)(e.target.value)} />}
      </Field>
      <SubmitButton busy={busy} busyLabel="Applying…" disabled={!invoiceNumber.trim() || !amount.trim()} className="button-small">
        Apply
      </SubmitButton>
    </form>
  );
}

interface DeductionFilters {
  status?: DeductionStatus;
  customerId?: string;
}

function Deductions() {
  const canReadCases = useRoleIn(CASE_READERS);
  const [filters, setFilters] = useState<DeductionFilters>({});
  const list = useCursorList(['deductions', filters], (cursor, signal) => api.deductions({ ...filters, limit: PAGE_SIZE, cursor }, signal));
  return (
    <Section title="Deductions" id="deductions">
      <FilterForm
        label="Filter deductions"
        onFilter={(value) => setFilters({ status: DEDUCTION_STATUSES.find((s) => s === value('status')), customerId: value('customerId') })}
      >
        <Field label="Deduction status">
          {(props) => (
            <select {...props} name="status" defaultValue="">
              <option value="">Any status</option>
              {DEDUCTION_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Customer id">{(props) => <input {...props} name="customerId" autoComplete="off" />}</Field>
      </FilterForm>
      <CursorListBody list={list} what="deductions" empty={`No deductions${filters.status || filters.customerId ? ' match' : ''}.`} moreLabel={`Show ${PAGE_SIZE} more`}>
        {(items) => (
          <DataTable
            testId="deductions-table"
            caption="Deductions, newest first"
            columns={['Payment', 'Invoice', { label: 'Amount', numeric: true }, 'Reason', "Customer's code", 'Status', 'Case']}
          >
            {items.map((d) => (
              <tr key={d.id} data-deduction={d.id} data-payment={d.paymentId} data-invoice={d.invoiceNumber}>
                <th scope="row">{d.paymentId}</th>
                <td>{d.invoiceNumber}</td>
                <td className="num">
                  {/* The answer names no currency (the payment's): the amount as it is, never another's symbol. */}
                  <span className="money">{d.amount}</span>
                </td>
                <td data-testid="deduction-reason">{d.reasonCode ? label(REASON_LABELS, d.reasonCode) : 'Not mapped'}</td>
                <td>
                  <code>{d.customerCode}</code>
                </td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td>
                  {!d.caseId ? (
                    '—'
                  ) : canReadCases ? (
                    <a href={href(`/cases/${encodeURIComponent(d.caseId)}`)}>Open the case</a>
                  ) : (
                    'Has a case'
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </CursorListBody>
    </Section>
  );
}
