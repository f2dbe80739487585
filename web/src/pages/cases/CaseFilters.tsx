// The case list's filters live in the address (#/cases?stage=APPROVAL), so they survive back/forward and can be
// bookmarked: read from it, offered as a form, and turned into the list's query.
import type { FormEvent } from 'react';
import { Field } from '../../components/common';
import { ReasonOptions, TeamOptions } from '../../components/options';
import { STAGE_LABELS, statusLabel } from '../../lib/format';
import { href, navigate, useLocation } from '../../lib/router';
import { STAGES, STATUSES } from '../../../../domain/types';

const FILTERS = ['status', 'stage', 'team', 'customerId', 'reasonCode', 'owner', 'order'] as const;
export type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The filters in the address, with the defaults: open cases, oldest first. */
export function useCaseFilters(): Filters {
  const location = useLocation();
  const filters: Filters = { status: 'OPEN', order: 'asc' };
  for (const key of FILTERS) {
    const value = location.query.get(key);
    if (value !== null) filters[key] = value;
  }
  return filters;
}

export function CaseFilters({ filters }: { filters: Filters }) {
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
    <form className="filters card" onSubmit={applyFilters} aria-label="Filter cases" key={JSON.stringify(filters)}>
      <Field label="Status">
        {(props) => (
          <select {...props} name="status" defaultValue={filters.status === 'ANY' ? '' : filters.status}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
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
            <TeamOptions />
          </select>
        )}
      </Field>
      <Field label="Reason">
        {(props) => (
          <select {...props} name="reasonCode" defaultValue={filters.reasonCode ?? ''}>
            <option value="">Any reason</option>
            <ReasonOptions />
          </select>
        )}
      </Field>
      <Field label="Customer id">
        {(props) => <input {...props} name="customerId" defaultValue={filters.customerId ?? ''} placeholder="e.g. CUST-0042" />}
      </Field>
      <Field label="Owner">
        {(props) => (
          <select {...props} name="owner" defaultValue={filters.owner ?? ''}>
            <option value="">Anyone's</option>
            <option value="me">My cases</option>
          </select>
        )}
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
  );
}

export function queryOf(filters: Filters): Record<string, string | undefined> {
  return {
    status: filters.status === 'ANY' ? undefined : filters.status,
    stage: filters.stage,
    team: filters.team,
    customerId: filters.customerId,
    reasonCode: filters.reasonCode,
    owner: filters.owner,
    order: filters.order,
  };
}
