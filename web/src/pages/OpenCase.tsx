// The specialist's intake: find the invoice by number or customer, look at it against its PO, contract and work
// orders, and open a case on it in the same place. The search runs on the server, a page at a time.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { DefinitionList, ErrorMessage, Field, Loading, Money, Notice, Section, fieldError } from '../components/common';
import { PagedEvidence } from '../components/evidence';
import { ApiError, api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { useCursorList } from '../lib/cursor-list';
import { REASON_LABELS, formatDate } from '../lib/format';
import { useDocumentTitle, useEvidencePages } from '../lib/hooks';
import { compareMoney, formatMoney, isMoneyInput } from '../lib/money';
import { href, navigate, useLocation } from '../lib/router';
import { REASON_CODES, type InvoiceAnswer, type ReasonCode } from '../lib/types';

const PAGE_SIZE = 20;

export function OpenCasePage() {
  useDocumentTitle('Open a case');
  const location = useLocation();
  const number = location.query.get('number') ?? '';
  const customer = location.query.get('customer') ?? '';
  const chosen = location.query.get('invoice');

  function find(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    navigate('/open', { number: String(data.get('number') ?? '').trim(), customer: String(data.get('customer') ?? '').trim() });
  }

  return (
    <div className="page">
      <h1>Open a case</h1>
      <form className="card filters search-form" role="search" onSubmit={find} aria-label="Find an invoice" key={`${number}|${customer}`}>
        <Field label="Invoice number" hint="The number, or how it starts, e.g. INV-10042.">
          {(props) => <input {...props} name="number" defaultValue={number} autoComplete="off" />}
        </Field>
        <Field label="Customer" hint="The customer id, or part of its name.">
          {(props) => <input {...props} name="customer" defaultValue={customer} autoComplete="off" />}
        </Field>
        <div className="filters-actions">
          <button type="submit">Find invoice</button>
        </div>
      </form>
      {chosen ? (
        <ChosenInvoice number={chosen} backTo={number || customer ? href('/open', { number, customer }) : null} />
      ) : number || customer ? (
        <SearchResults number={number} customer={customer} />
      ) : null}
    </div>
  );
}

function SearchResults({ number, customer }: { number: string; customer: string }) {
  const query = { number: number || undefined, customer: customer || undefined };
  const list = useCursorList(['invoices', query], (cursor, signal) => api.invoices({ ...query, limit: PAGE_SIZE, cursor }, signal));
  const { items, error } = list;
  // The very invoice asked for, and only it: straight to it (in place of the search, so Back skips the search).
  const exact = !list.hasMore && items.length === 1 && items[0].number === number;
  useEffect(() => {
    if (exact) navigate('/open', { invoice: number }, { replace: true });
  }, [exact, number]);

  if (error) return <ErrorMessage error={error} />;
  if (list.pending || exact) return <Loading what="invoices" />;
  if (!items.length) return <p className="empty">No invoice matches.</p>;
  return (
    <Section title="Invoices found" id="invoices">
      <div className="table-scroll">
        <table className="data" data-testid="invoices-table">
          <caption className="visually-hidden">Invoices, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Customer</th>
              <th scope="col">Purchase order</th>
              <th scope="col">Issued</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col" className="num">
                Open balance
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.number}>
                <th scope="row">
                  <a href={href('/open', { number, customer, invoice: i.number })}>{i.number}</a>
                </th>
                <td>
                  {i.customerName} <span className="muted">{i.customerId}</span>
                </td>
                <td>{i.purchaseOrderId}</td>
                <td>{formatDate(i.issuedAt)}</td>
                <td className="num">
                  <Money amount={i.total} currency={i.currency} />
                </td>
                <td className="num">
                  <Money amount={i.openBalance} currency={i.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.hasMore ? (
        <button type="button" className="button-secondary" onClick={list.more} disabled={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : `Show ${PAGE_SIZE} more`}
        </button>
      ) : null}
    </Section>
  );
}

function ChosenInvoice({ number, backTo }: { number: string; backTo: string | null }) {
  const found = useQuery({
    queryKey: ['invoice', number],
    queryFn: async ({ signal }) => {
      const [invoice, evidence] = await Promise.all([api.invoice(number, signal), api.invoiceEvidence(number, undefined, signal)]);
      return { invoice, evidence };
    },
  });
  const pages = useEvidencePages(found.data?.evidence ?? null, [], async (cursor) => ({ evidence: await api.invoiceEvidence(number, cursor) }));
  const back = backTo ? (
    <p>
      <a href={backTo}>Back to the invoices found</a>
    </p>
  ) : null;
  if (found.error) {
    return (
      <>
        <ErrorMessage error={found.error} title={found.error instanceof ApiError && found.error.status === 404 ? `No invoice ${number}` : undefined} />
        {back}
      </>
    );
  }
  if (!found.data) return <Loading what={`invoice ${number}`} />;
  const { invoice } = found.data;
  return (
    <>
      {back}
      <Section title={`Invoice ${invoice.number}`} id="invoice">
        <DefinitionList
          items={[
            ['Customer', invoice.customerId],
            ['Purchase order', invoice.purchaseOrderId],
            ['Issued', formatDate(invoice.issuedAt)],
            ['Due', formatDate(invoice.dueAt)],
            ['Total', <Money key="t" amount={invoice.total} currency={invoice.currency} />],
            ['Open balance', <Money key="o" amount={invoice.openBalance} currency={invoice.currency} strong />],
          ]}
        />
        {invoice.creditMemos.length ? (
          <p>
            Credit memos already issued:{' '}
            {invoice.creditMemos.map((m) => `${m.number} (${formatMoney(m.amount, invoice.currency)})`).join(', ')}
          </p>
        ) : null}
        <PagedEvidence pages={pages} currency={invoice.currency} />
      </Section>
      <OpenCaseForm invoice={invoice} />
    </>
  );
}

function OpenCaseForm({ invoice }: { invoice: InvoiceAnswer }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState<ReasonCode | ''>('');
  const [description, setDescription] = useState('');
  const { error, setError, busy, run } = useCommand([['invoice', invoice.number], ['invoices'], ['disputes']]);
  const nothingOpen = compareMoney(invoice.openBalance, '0.00') <= 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!isMoneyInput(amount) || compareMoney(amount, '0') <= 0) local.push({ field: 'disputedAmount', message: 'enter an amount greater than 0 with at most 2 decimals, e.g. 150.00' });
    if (!reason) local.push({ field: 'reasonCode', message: 'choose the reason the customer gives' });
    if (local.length) {
      setError(new ApiError(400, 'VALIDATION_FAILED', 'Please complete the form.', local));
      return;
    }
    run(
      (key) =>
        api.openDispute(
          { invoiceNumber: invoice.number, disputedAmount: amount.trim(), reasonCode: reason as ReasonCode, description: description.trim() || undefined },
          key,
        ),
      (opened) => navigate(`/cases/${opened.caseNumber}`, { opened: '1' }),
    );
  }

  return (
    <Section title="Open a dispute case" id="open-case">
      {nothingOpen ? <Notice kind="warning">This invoice has no open balance left to dispute.</Notice> : null}
      <form onSubmit={submit} noValidate className="form-grid">
        <ErrorMessage error={error} />
        <Field label="Disputed amount" hint={`At most the open balance, ${formatMoney(invoice.openBalance, invoice.currency)}.`} error={fieldError(error, 'disputedAmount')}>
          {(props) => <input {...props} name="disputedAmount" inputMode="decimal" value={amount} onChange={(e) => { setAmount(e.target.value); setError(undefined); }} placeholder="0.00" />}
        </Field>
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
        <Field label="Description (optional)" hint="What the customer says, remittance reference, contacts." error={fieldError(error, 'description')}>
          {(props) => <textarea {...props} name="description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy || nothingOpen}>
            {busy ? 'Opening…' : 'Open case'}
          </button>
        </div>
      </form>
    </Section>
  );
}
