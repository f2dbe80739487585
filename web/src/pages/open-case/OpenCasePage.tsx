// The specialist's intake: find the invoice by number or customer, look at it against its PO, contract and work
// orders, and open a case on it in the same place. The search runs on the server, a page at a time.
import { type FormEvent } from 'react';
import { Field } from '../../components/common';
import { useDocumentTitle } from '../../lib/hooks';
import { href, navigate, useLocation } from '../../lib/router';
import { ChosenInvoice } from './ChosenInvoice';
import { InvoiceSearch } from './InvoiceSearch';

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
        <InvoiceSearch number={number} customer={customer} />
      ) : null}
    </div>
  );
}
