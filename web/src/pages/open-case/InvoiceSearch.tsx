// The invoices a search finds, newest first, a page at a time; the one invoice asked for by its number opens at once.
import { useEffect } from 'react';
import { ErrorMessage, Loading, Money, Section } from '../../components/common';
import { api } from '../../lib/api';
import { useCursorList } from '../../lib/cursor-list';
import { formatDate } from '../../lib/format';
import { href, navigate } from '../../lib/router';

const PAGE_SIZE = 20;

export function InvoiceSearch({ number, customer }: { number: string; customer: string }) {
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
