// A customer's open items (issue 11's dispute hold): what each open invoice owes, what of it is in dispute, what is
// left to collect, and whether dunning holds off because a case disputes all that is open.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DataTable, ErrorMessage, Field, Loading, Money, Section } from '../components/common';
import { ApiError, api } from '../lib/api';
import { useDocumentTitle } from '../lib/hooks';
import { href, navigate } from '../lib/router';

/** The way to a customer's open items from wherever its id is shown. */
export function CustomerLink({ customerId }: { customerId: string }) {
  return <a href={href(`/customers/${encodeURIComponent(customerId)}`)}>{customerId}</a>;
}

export function OpenItemsPage({ customerId }: { customerId?: string }) {
  useDocumentTitle(customerId ? `Open items of ${customerId}` : 'Open items');
  return (
    <div className="page">
      <h1>{customerId ? `Open items of ${customerId}` : 'Open items'}</h1>
      {/* Keyed by the customer: the field starts from the one shown, also after Back. */}
      <CustomerForm key={customerId ?? ''} customerId={customerId ?? ''} />
      {customerId ? <OpenItems customerId={customerId} /> : null}
    </div>
  );
}

function CustomerForm({ customerId }: { customerId: string }) {
  const [value, setValue] = useState(customerId);
  function submit(event: FormEvent) {
    event.preventDefault();
    navigate(`/customers/${encodeURIComponent(value.trim())}`);
  }
  return (
    <form className="filters inline-filters card" onSubmit={submit} aria-label="Find a customer">
      <Field label="Customer id">{(props) => <input {...props} value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />}</Field>
      <button type="submit" disabled={!value.trim()}>
        Show open items
      </button>
    </form>
  );
}

function OpenItems({ customerId }: { customerId: string }) {
  const query = useQuery({ queryKey: ['open-items', customerId], queryFn: ({ signal }) => api.openItems(customerId, signal) });
  let body;
  if (query.error) {
    body = (
      <ErrorMessage
        error={query.error}
        title={query.error instanceof ApiError && query.error.status === 404 ? `There is no customer ${customerId}` : undefined}
      />
    );
  } else if (!query.data) body = <Loading what="the open items" />;
  else if (!query.data.items.length) body = <p className="empty">Nothing open: every invoice of {customerId} is paid.</p>;
  else
    body = (
      <DataTable
        testId="open-items-table"
        caption={`Open invoices of ${customerId}, earliest due first`}
        columns={['Invoice', { label: 'Open balance', numeric: true }, { label: 'In dispute', numeric: true }, { label: 'Collectible', numeric: true }, 'Dunning']}
      >
        {query.data.items.map((item) => (
          <tr key={item.invoiceNumber} data-invoice={item.invoiceNumber}>
            <th scope="row">{item.invoiceNumber}</th>
            <td className="num" data-testid="open-balance">
              <Money amount={item.openBalance} currency={item.currency} />
            </td>
            <td className="num" data-testid="in-dispute">
              <Money amount={item.inDispute} currency={item.currency} />
            </td>
            <td className="num" data-testid="collectible">
              <Money amount={item.collectible} currency={item.currency} strong />
            </td>
            <td>
              {item.dunningHold ? (
                <span className="badge badge-warn" title="A case disputes all that is open: no dunning until it closes">
                  Dunning hold
                </span>
              ) : (
                <span className="muted">No hold</span>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    );
  return (
    <Section title="Open invoices" id="open-items">
      {body}
    </Section>
  );
}
