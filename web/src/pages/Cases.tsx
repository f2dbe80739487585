// Open cases, filterable on the server (status, stage, team, customer, reason), oldest first by default (the aging
// view), paged by cursor: fast with 10,000.
import { type FormEvent } from 'react';
import { ErrorMessage, Field, Loading, Money, StageBadge, StatusBadge, useMe } from '../components/common';
import { api } from '../lib/api';
import { REASON_LABELS, STAGE_LABELS, ageOf, formatDateTime, label, teamLabel } from '../lib/format';
import { useCursorList } from '../lib/cursor-list';
import { useDocumentTitle } from '../lib/hooks';
import { href, navigate, useLocation } from '../lib/router';
import { DEFAULT_TEAMS, REASON_CODES, STAGES, STATUSES } from '../lib/types';

const PAGE_SIZE = 50;
const FILTERS = ['status', 'stage', 'team', 'customerId', 'reasonCode', 'order'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function CasesPage() {
  useDocumentTitle('Cases');
  const me = useMe();
  const location = useLocation();
  // The filters live in the address (#/cases?stage=APPROVAL), so they survive back/forward and can be bookmarked.
  const filters: Filters = { status: 'OPEN', order: 'asc' };
  for (const key of FILTERS) {
    const value = location.query.get(key);
    if (value !== null) filters[key] = value;
  }
  const filterKey = JSON.stringify(filters);

  const list = useCursorList(['disputes', queryOf(filters)], (cursor, signal) =>
    api.disputes({ ...queryOf(filters), limit: PAGE_SIZE, cursor }, signal),
  );
  const { items, error } = list;

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    for (const key of FILTERS) {
      const value = String(data.get(key) ?? '').trim();
      if (value) next[key] = value;
    }
    // "any status" is a choice too: keep it in the address so the OPEN default does not come back.
    if (!next.status) next.status = 'ANY';
    navigate('/cases', next);
  }

  return (
    <div className="page">
      <div className="page-header">
        <h1>{filters.status === 'OPEN' ? 'Open cases' : 'Cases'}</h1>
        {me.role === 'specialist' ? (
          <a className="button" href={href('/open')}>
            Open a case
          </a>
        ) : null}
      </div>
      <form className="filters card" onSubmit={applyFilters} aria-label="Filter cases" key={filterKey}>
        <Field label="Status">
          {(props) => (
            <select {...props} name="status" defaultValue={filters.status === 'ANY' ? '' : filters.status}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0) + s.slice(1).toLowerCase()}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Stage">
          {(props) => (
            <select {...props} name="stage" defaultValue={filters.stage ?? ''}>
              <option value="">Any stage</option>
              {STAGES.map((s) => (
                <option key={s} value={s}>
                  {STAGE_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Team with a task">
          {(props) => (
            <select {...props} name="team" defaultValue={filters.team ?? ''}>
              <option value="">Any team</option>
              {DEFAULT_TEAMS.map((t) => (
                <option key={t} value={t}>
                  {teamLabel(t)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reason">
          {(props) => (
            <select {...props} name="reasonCode" defaultValue={filters.reasonCode ?? ''}>
              <option value="">Any reason</option>
              {REASON_CODES.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Customer id">
          {(props) => <input {...props} name="customerId" defaultValue={filters.customerId ?? ''} placeholder="e.g. CUST-0042" />}
        </Field>
        <Field label="Sort">
          {(props) => (
            <select {...props} name="order" defaultValue={filters.order}>
              <option value="asc">Oldest first</option>
              <option value="desc">Newest first</option>
            </select>
          )}
        </Field>
        <div className="filters-actions">
          <button type="submit">Apply filters</button>
          <a className="button button-secondary" href={href('/cases')}>
            Reset
          </a>
        </div>
      </form>

      <ErrorMessage error={error} />
      <p className="muted" aria-live="polite">
        {list.pending ? '' : `${items.length}${list.hasMore ? '+' : ''} case${items.length === 1 ? '' : 's'} shown, ${filters.order === 'asc' ? 'oldest' : 'newest'} first.`}
      </p>
      {list.pending ? <Loading what="cases" /> : null}
      {items.length ? (
        <div className="table-scroll card">
          <table className="data cases-table" data-testid="cases-table">
            <caption className="visually-hidden">Cases</caption>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">Invoice</th>
                <th scope="col">Customer</th>
                <th scope="col">Reason</th>
                <th scope="col">Stage</th>
                <th scope="col" className="num">
                  Disputed
                </th>
                <th scope="col" className="num">
                  Recommended
                </th>
                <th scope="col">Age</th>
                <th scope="col">In stage</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <a href={href(`/cases/${c.caseNumber}`)}>{c.caseNumber}</a>
                  </th>
                  <td>{c.invoiceNumber}</td>
                  <td>{c.customerId}</td>
                  <td>{label(REASON_LABELS, c.reasonCode)}</td>
                  <td>
                    <StageBadge stage={c.stage} />
                    {c.status !== 'OPEN' ? <StatusBadge status={c.status} /> : null}
                  </td>
                  <td className="num">
                    <Money amount={c.disputedAmount} currency={c.currency} />
                  </td>
                  <td className="num">
                    <Money amount={c.recommendedCredit} currency={c.currency} />
                  </td>
                  <td title={`Opened ${formatDateTime(c.openedAt)}`}>{c.closedAt ? `closed after ${ageOf(c.openedAt, Date.parse(c.closedAt))}` : ageOf(c.openedAt)}</td>
                  <td>{c.stageEnteredAt && !c.closedAt ? ageOf(c.stageEnteredAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : !list.pending && !error ? (
        <p className="empty">No cases match these filters.</p>
      ) : null}
      {list.hasMore ? (
        <p>
          <button type="button" className="button-secondary" onClick={list.more} disabled={list.loadingMore}>
            {list.loadingMore ? 'Loading…' : `Load ${PAGE_SIZE} more`}
          </button>
        </p>
      ) : null}
    </div>
  );
}

function queryOf(filters: Filters): Record<string, string | undefined> {
  return {
    status: filters.status === 'ANY' ? undefined : filters.status,
    stage: filters.stage,
    team: filters.team,
    customerId: filters.customerId,
    reasonCode: filters.reasonCode,
    order: filters.order,
  };
}
