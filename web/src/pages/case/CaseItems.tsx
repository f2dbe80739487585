// What the case disputes, invoice by invoice and line by line, and why each item recommends what it does: each of
// its findings → what its task confirmed → what it counts → the item's credit (capped by its disputed amount) and debit.
import { Fragment, useState } from 'react';
import { Money, Section } from '../../components/common';
import { FINDING_LABELS, label } from '../../lib/format';
import type { CaseItem, DisputeDetail, ItemExplanation, ItemFinding } from '../../../../contract';

export function CaseItems({ dispute: d }: { dispute: DisputeDetail }) {
  const currency = d.currency ?? 'USD';
  const [shown, setShown] = useState<ReadonlySet<number>>(new Set());
  const toggle = (index: number) =>
    setShown((before) => {
      const after = new Set(before);
      if (!after.delete(index)) after.add(index);
      return after;
    });
  if (!d.items.length) return null;
  return (
    <Section title="Items" id="items">
      <div className="table-scroll">
        <table className="data" data-testid="case-items">
          <caption className="visually-hidden">What the case disputes, invoice by invoice and line by line, and why each recommends what it does</caption>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Line</th>
              <th scope="col" className="num">Disputed</th>
              <th scope="col" className="num">Recommended credit</th>
              <th scope="col" className="num">Recommended debit</th>
              <th scope="col">
                <span className="visually-hidden">Why</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((item, i) => {
              const name = `${item.invoiceNumber}${item.lineNo === null ? '' : ` line ${item.lineNo}`}`;
              const open = shown.has(i);
              return (
                <Fragment key={`${item.invoiceNumber}:${item.lineNo ?? ''}`}>
                  <tr>
                    <th scope="row">{item.invoiceNumber}</th>
                    <td>{item.lineNo ?? 'whole invoice'}</td>
                    <td className="num">
                      <Money amount={item.disputedAmount} currency={currency} />
                    </td>
                    <td className="num">
                      <Money amount={item.recommendedCredit} currency={currency} />
                    </td>
                    <td className="num">
                      <Money amount={item.recommendedDebit} currency={currency} />
                    </td>
                    <td>
                      {item.explanation ? (
                        <button
                          type="button"
                          className="button-secondary"
                          aria-expanded={open}
                          aria-controls={`item-why-${i}`}
                          aria-label={`Why ${name}`}
                          onClick={() => toggle(i)}
                        >
                          Why
                        </button>
                      ) : null}
                    </td>
                  </tr>
                  {open && item.explanation ? (
                    <tr className="item-why-row">
                      <td colSpan={6} id={`item-why-${i}`} data-testid="item-why">
                        <ItemWhy item={item} explanation={item.explanation} currency={currency} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

const RULES: Record<ItemExplanation['basis'], string> = {
  FOUND: 'Until every task is done, each finding counts in full.',
  CONFIRMED: 'Every task is done: each finding counts what its task confirmed.',
};

function ItemWhy({ item, explanation: e, currency }: { item: CaseItem; explanation: ItemExplanation; currency: string }) {
  const confirmed = (f: ItemFinding) =>
    f.confirmedAmount !== null ? (
      <Money amount={f.confirmedAmount} currency={currency} />
    ) : (
      <span className="muted">{e.basis === 'FOUND' ? 'task open' : 'not answered: counts in full'}</span>
    );
  return (
    <div className="item-why">
      <p data-testid="item-why-rule">{RULES[e.basis]}</p>
      {e.findings.length ? (
        <table className="data">
          <caption className="visually-hidden">
            The findings of {item.invoiceNumber}
            {item.lineNo === null ? '' : ` line ${item.lineNo}`} and what each counts
          </caption>
          <thead>
            <tr>
              <th scope="col">Finding</th>
              <th scope="col">Invoice</th>
              <th scope="col">Line</th>
              <th scope="col" className="num">Found</th>
              <th scope="col" className="num">Confirmed</th>
              <th scope="col" className="num">Counts</th>
            </tr>
          </thead>
          <tbody>
            {e.findings.map((f) => (
              <tr key={f.id} data-testid="item-why-finding">
                <th scope="row">
                  {label(FINDING_LABELS, f.code)} <span className="code">{f.code}</span>
                </th>
                <td>{f.invoiceNumber}</td>
                <td>{f.lineNo ?? 'invoice'}</td>
                <td className="num">
                  <Money amount={f.amount} currency={currency} />
                </td>
                <td className="num">{confirmed(f)}</td>
                <td className="num">
                  <Money amount={f.counted} currency={currency} />
                  {f.code === 'UNDERBILLED' ? <span className="muted"> (debit)</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No findings on it.</p>
      )}
      {e.more.count ? (
        <p className="muted" data-testid="item-why-more">
          And {e.more.count} more finding{e.more.count === 1 ? '' : 's'} on later lines (the invoice's evidence, page by page), counting{' '}
          <Money amount={e.more.overbilling} currency={currency} /> overbilled and <Money amount={e.more.underbilling} currency={currency} /> underbilled.
        </p>
      ) : null}
      <p data-testid="item-why-credit">
        Recommended credit: the lesser of the <Money amount={e.overbilling} currency={currency} /> overbilling counted and the{' '}
        <Money amount={item.disputedAmount} currency={currency} /> disputed = <Money amount={item.recommendedCredit} currency={currency} strong />
        {e.cappedByDisputed ? <strong> (capped by the disputed amount)</strong> : null}.
      </p>
      <p data-testid="item-why-debit">
        Recommended debit: the <Money amount={e.underbilling} currency={currency} /> underbilling counted ={' '}
        <Money amount={item.recommendedDebit} currency={currency} strong />.
      </p>
    </div>
  );
}
