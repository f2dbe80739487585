// What the people pages share: the picker of people, a manager's limits per currency as a form edits them, and
// delegations between managers (given on the Users page by an admin, on the Out of office page by the manager himself).
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DataTable, ErrorMessage, Field, Loading, SubmitButton, fieldError } from './common';
import { api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { formatDateTime } from '../lib/format';
import { moneyInput, showMoney } from '../lib/money';
import { usePeople } from '../lib/queries';
import type { Delegation, Role } from '../../../contract';

/** A limit as a form holds it: the currency and the amount as typed. */
export interface LimitRow {
  currency: string;
  amount: string;
}

/** The limits of a user in other currencies than the base one, as rows to edit. */
export function otherLimitRows(limits: Record<string, string>, baseCurrency: string): LimitRow[] {
  return Object.entries(limits)
    .filter(([currency]) => currency !== baseCurrency)
    .map(([currency, amount]) => ({ currency, amount }));
}

/** The rows as the API takes them; rows left empty are dropped. */
export function limitsOf(rows: readonly LimitRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.currency.trim() || r.amount.trim()).map((r) => [r.currency.trim().toUpperCase(), r.amount.trim()]));
}

/** The form's own check, as the server would refuse it. */
export function limitProblems(rows: readonly LimitRow[]): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const currency = row.currency.trim().toUpperCase();
    if (!currency && !row.amount.trim()) continue;
    if (!/^[A-Z]{3}$/.test(currency)) problems.push({ field: 'approvalLimits', message: `“${row.currency}” is not a currency code such as EUR` });
    else if (seen.has(currency)) problems.push({ field: 'approvalLimits', message: `${currency} is named twice` });
    else if (moneyInput(row.amount) === null) problems.push({ field: `approvalLimits.${currency}`, message: `the limit in ${currency}: an amount with at most 2 decimals` });
    seen.add(currency);
  }
  return problems;
}

/** Limits in other currencies: a row per currency, added and removed at will. */
export function LimitsEditor({ rows, onChange, error, who }: { rows: LimitRow[]; onChange(rows: LimitRow[]): void; error: unknown; who: string }) {
  const set = (i: number, change: Partial<LimitRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <fieldset className="limits">
      <legend>Limits in other currencies</legend>
      {fieldError(error, 'approvalLimits') ? <p className="field-error">{fieldError(error, 'approvalLimits')}</p> : null}
      {rows.map((row, i) => (
        <div className="form-columns" key={i}>
          <Field label={`Currency ${i + 1} of ${who}`}>
            {(props) => <input {...props} value={row.currency} maxLength={3} onChange={(e) => set(i, { currency: e.target.value })} autoComplete="off" />}
          </Field>
          <Field label={`Limit ${i + 1} of ${who}`}>
            {(props) => <input {...props} inputMode="decimal" value={row.amount} onChange={(e) => set(i, { amount: e.target.value })} />}
          </Field>
          <button type="button" className="button-secondary button-small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove {row.currency || 'row'}
          </button>
        </div>
      ))}
      <button type="button" className="button-secondary button-small" onClick={() => onChange([...rows, { currency: '', amount: '' }])}>
        Add a currency
      </button>
    </fieldset>
  );
}

/** A user's limits for a table cell: each currency's, or what having none means. */
export function limitsText(limits: Record<string, string>): string {
  const entries = Object.entries(limits);
  return entries.length ? entries.map(([currency, amount]) => showMoney(amount, currency)).join(', ') : 'No limit';
}

/** A datetime-local input's value for an instant, in the browser's time zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export const DELEGATION_KEYS = [['delegations'], ['my-delegations'], ['admin-events']] as const;

/**
 * A select of the active people of `role` (GET /api/people), `exclude` left out, `placeholder` the empty choice. Takes
 * the props a Field gives its control.
 */
export function PersonSelect({
  role,
  exclude,
  placeholder,
  value,
  onChange,
  ...control
}: {
  role: Role;
  exclude?: string | null;
  placeholder: string;
  value: string;
  onChange(id: string): void;
  id: string;
  name?: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}) {
  const people = usePeople(role);
  return (
    <select {...control} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{placeholder}</option>
      {people.data?.items
        .filter((p) => p.id !== exclude)
        .map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
    </select>
  );
}

/** Hands `managerId`'s approvals to another active manager for a period (the pickers' list: GET /api/people). */
export function DelegateForm({ managerId, managerName }: { managerId: string; managerName: string }) {
  const [delegateId, setDelegateId] = useState('');
  const [from, setFrom] = useState(() => localInput(Date.now()));
  const [until, setUntil] = useState(() => localInput(Date.now() + 7 * 86_400_000));
  const [done, setDone] = useState<string | null>(null);
  const { error, refuse, busy, run } = useCommand(DELEGATION_KEYS);

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const start = Date.parse(from);
    const end = Date.parse(until);
    if (!delegateId || Number.isNaN(start) || Number.isNaN(end)) {
      refuse('Please complete the form.', [
        ...(delegateId ? [] : [{ field: 'delegateId', message: 'choose the manager who decides meanwhile' }]),
        ...(Number.isNaN(start) ? [{ field: 'from', message: 'when the absence starts' }] : []),
        ...(Number.isNaN(end) ? [{ field: 'until', message: 'when it ends' }] : []),
      ]);
      return;
    }
    run(
      () => api.delegate(managerId, { delegateId, from: new Date(start).toISOString(), until: new Date(end).toISOString() }),
      (d) => setDone(`${d.delegateName} decides for ${d.managerName} from ${formatDateTime(d.from)} until ${formatDateTime(d.until)}.`),
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form-grid form-columns" aria-label={`Delegate the approvals of ${managerName}`}>
      <ErrorMessage error={error} />
      {done ? <p role="status">{done}</p> : null}
      <Field label="Delegate to" error={fieldError(error, 'delegateId')}>
        {(props) => <PersonSelect {...props} role="manager" exclude={managerId} placeholder="Choose a manager" value={delegateId} onChange={setDelegateId} />}
      </Field>
      <Field label="From" error={fieldError(error, 'from')}>
        {(props) => <input {...props} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />}
      </Field>
      <Field label="Until" error={fieldError(error, 'until')}>
        {(props) => <input {...props} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Delegating…">
          Delegate
        </SubmitButton>
      </div>
    </form>
  );
}

/** Delegations in a table; `now` tells the running ones from those to come and those past. */
export function DelegationTable({ items, caption, testId }: { items: readonly Delegation[]; caption: string; testId: string }) {
  if (!items.length) return <p className="empty">None.</p>;
  const now = Date.now();
  return (
    <DataTable
      testId={testId}
      caption={caption}
      columns={['Absent manager', 'Decides meanwhile', 'From', 'Until', 'State', 'Given by']}
    >
      {items.map((d) => (
        <tr key={d.id} data-delegation={d.id}>
          <td>{d.managerName}</td>
          <td>{d.delegateName}</td>
          <td>{formatDateTime(d.from)}</td>
          <td>{formatDateTime(d.until)}</td>
          <td>{Date.parse(d.until) <= now ? 'Past' : Date.parse(d.from) <= now ? 'Running' : 'To come'}</td>
          <td>{d.createdBy.name}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** A user's delegations, given and received, past ones included (GET /api/users/:id/delegations). */
export function UserDelegations({ userId }: { userId: string }) {
  const list = useQuery({ queryKey: ['delegations', userId], queryFn: ({ signal }) => api.delegations(userId, signal) });
  if (list.error) return <ErrorMessage error={list.error} />;
  if (list.isPending) return <Loading what="delegations" />;
  return <DelegationTable items={list.data.items} caption="Delegations given and received, newest first" testId="user-delegations" />;
}
