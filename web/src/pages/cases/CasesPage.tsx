// Open cases, filterable on the server (status, stage, team, customer, reason), oldest first by default (the aging
// view), paged by cursor: fast with 10,000.
import { ErrorMessage, Loading, MoreButton, useMe } from '../../components/common';
import { api } from '../../lib/api';
import { useCursorList } from '../../lib/cursor-list';
import { useDocumentTitle } from '../../lib/hooks';
import { href } from '../../lib/router';
import { CaseFilters, queryOf, useCaseFilters } from './CaseFilters';
import { CasesTable } from './CasesTable';

const PAGE_SIZE = 50;

export function CasesPage() {
  useDocumentTitle('Cases');
  const me = useMe();
  const filters = useCaseFilters();
  const list = useCursorList(['disputes', queryOf(filters)], (cursor, signal) =>
    api.disputes({ ...queryOf(filters), limit: PAGE_SIZE, cursor }, signal),
  );
  const { items, error } = list;

  return (
    <div className="page">
      <div className="page-header">
        <h1>{filters.owner === 'me' ? 'My cases' : filters.status === 'OPEN' ? 'Open cases' : 'Cases'}</h1>
        {me.role === 'specialist' ? (
          <div className="page-header-actions">
            <a className="button button-secondary" href={href('/cases', { status: filters.status, owner: 'me' })} data-testid="my-cases">
              My cases
            </a>
            <a className="button" href={href('/open')}>
              Open a case
            </a>
          </div>
        ) : null}
      </div>
      <CaseFilters filters={filters} />

      <ErrorMessage error={error} />
      <p className="muted" aria-live="polite">
        {list.pending ? '' : `${items.length}${list.hasMore ? '+' : ''} case${items.length === 1 ? '' : 's'} shown, ${filters.order === 'asc' ? 'oldest' : 'newest'} first.`}
      </p>
      {list.pending ? <Loading what="cases" /> : null}
      {items.length ? (
        <CasesTable items={items} />
      ) : !list.pending && !error ? (
        <p className="empty">No cases match these filters.</p>
      ) : null}
      {list.hasMore ? (
        <p>
          <MoreButton list={list} label={`Load ${PAGE_SIZE} more`} />
        </p>
      ) : null}
    </div>
  );
}
