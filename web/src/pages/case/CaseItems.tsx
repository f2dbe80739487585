// What the case disputes, invoice by invoice and line by line, and why each item recommends what it does: each of
// its findings → what its task confirmed → what it counts → the item's credit (capped by its disputed amount) and debit.
import { Fragment, useState } from 'react';
import { ErrorMessage, Money, Section } from '../../components/common';
import { api } from '../../lib/api';
import { FINDING_LABELS, label } from '../../lib/format';
import type { CaseFinding, CaseItem, DisputeDetail, ItemExplanation } from '../../../../contract';

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
                        {/* Findings paged in are of the evidence and outcomes they were read with: another basis or evidence starts over. */}
                        <ItemWhy
                          key={`${d.evidenceHash ?? ''}:${item.explanation.basis}`}
                          caseId={d.id}
                          item={item}
                          explanation={item.explanation}
                          currency={currency}
                        />
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

function ItemWhy({ caseId, item, explanation: e, currency }: { caseId: string; item: CaseItem; explanation: ItemExplanation; currency: string }) {
  const later = useLaterFindings(caseId, item, e);
  const confirmed = (f: CaseFinding) =>
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
            {[...e.findings, ...later.findings.map((f) => ({ ...f, counted: null }))].map((f) => (
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
                  {f.counted !== null ? (
                    <>
                      <Money amount={f.counted} currency={currency} />
                      {f.code === 'UNDERBILLED' ? <span className="muted"> (debit)</span> : null}
                    </>
                  ) : (
                    <span className="muted">in the total below</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No findings on it.</p>
      )}
      {e.more.count ? (
        <div className="form-actions">
          <p className="muted" data-testid="item-why-more">
            {later.findings.length ? `Of the ${e.more.count} findings on later lines, ${later.findings.length} shown; together` : `And ${e.more.count} more finding${e.more.count === 1 ? '' : 's'} on later lines,`}{' '}
            counting <Money amount={e.more.overbilling} currency={currency} /> overbilled and <Money amount={e.more.underbilling} currency={currency} /> underbilled.
          </p>
          <ErrorMessage error={later.error} />
          {later.more ? (
            <button type="button" className="button-secondary" onClick={later.more} disabled={later.loading}>
              {later.loading ? 'Loading…' : 'Show more findings'}
            </button>
          ) : null}
        </div>
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

/**
 * The item's findings after those its explanation lists, read from its invoice's evidence a page of lines at a time
 * (each page asked for until one brings a finding of the item, or none is left).
 */
function useLaterFindings(caseId: string, item: CaseItem, e: ItemExplanation) {
  const [state, setState] = useState<{ findings: CaseFinding[]; cursor: string | null | undefined }>({ findings: [], cursor: undefined });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const listed = new Set(e.findings.map((f) => f.id));
  const ofItem = (f: CaseFinding) => !listed.has(f.id) && (item.lineNo === null || f.lineNo === item.lineNo);
  const load = async (from: { findings: CaseFinding[]; cursor: string | null | undefined }) => {
    let { findings, cursor } = from;
    do {
      const page = await api.caseEvidence(caseId, cursor ?? undefined, item.invoiceNumber);
      const found = page.findings.filter(ofItem);
      findings = [...findings, ...found.filter((f) => !findings.some((g) => g.id === f.id))];
      cursor = page.evidence.nextCursor;
      if (found.length) break;
    } while (cursor);
    return { findings, cursor };
  };
  const more =
    state.cursor !== null && state.findings.length < e.more.count
      ? () => {
          setLoading(true);
          setError(undefined);
          load(state)
            .then(setState)
            .catch((err: unknown) => setError(err))
            .finally(() => setLoading(false));
        }
      : null;
  return { findings: state.findings, more, loading, error };
}
