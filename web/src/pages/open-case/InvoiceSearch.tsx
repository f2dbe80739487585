// The invoices a search finds, newest first, a page at a time; the one invoice asked for by its number opens at once.
import { useEffect, useState } from 'react';
import { ErrorMessage, Loading, Money, MoreButton, Section } from '../../components/common';
import { api } from '../../lib/api';
import { useCursorList } from '../../lib/cursor-list';
import { formatDate } from '../../lib/format';
import { href, navigate } from '../../lib/router';
import { ItemsOpenForm } from './ItemsOpenForm';

const PAGE_SIZE = 20;

export function InvoiceSearch({ number, customer }: { number: string; customer: string }) {
  const query = { number: number || undefined, customer: customer || undefined };
  const list = useCursorList(['invoices', query], (cursor, signal) => api.invoices({ ...query, limit: PAGE_SIZE, cursor }, signal));
  const { items, error } = list;
  // The very invoice asked for, and only it: straight to it (in place of the search, so Back skips the search).
  const exact = !list.hasMore && items.length === 1 && items[0].number === number;
  const [chosen, setChosen] = useState<string[]>([]);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  // One case is of one customer and currency: invoices of another than the first ticked cannot be ticked with it.
  const first = items.find((i) => i.number === chosen[0]);
  const tick = (number: string, collectible: string, on: boolean) => {
    setChosen((c) => (on ? [...c, number] : c.filter((n) => n !== number)));
    if (on) setAmounts((a) => ({ ...a, [number]: a[number] ?? collectible }));
  };
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
              <th scope="col">
                <span className="visually-hidden">In the case</span>
              </th>
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
              <th scope="col" className="num">
                In dispute
              </th>
              <th scope="col" className="num">
                Collectible
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.number}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Dispute ${i.number} in one case`}
                    checked={chosen.includes(i.number)}
                    disabled={Boolean(first) && (first!.customerId !== i.customerId || first!.currency !== i.currency)}
                    onChange={(e) => tick(i.number, i.collectible, e.target.checked)}
                  />
                </td>
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
                <td className="num">
                  <Money amount={i.inDispute} currency={i.currency} />
                </td>
                <td className="num">
                  <Money amount={i.collectible} currency={i.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <MoreButton list={list} label={`Show ${PAGE_SIZE} more`} />
      {chosen.length ? (
        <ItemsOpenForm invoices={items} chosen={chosen} amounts={amounts} onAmount={(n, a) => setAmounts((all) => ({ ...all, [n]: a }))} />
      ) : null}
    </Section>
  );
}
