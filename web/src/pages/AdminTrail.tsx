// The administration trail for admins and auditors: who created, changed or revoked whom, who delegated to whom,
// and routing changes, newest first, by type or by subject.
import { useState } from 'react';
import { CursorListBody, DataTable, Field, FilterForm, Section } from '../components/common';
import { api } from '../lib/api';
import { useCursorList } from '../lib/cursor-list';
import { formatDateTime } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import type { AdminEventItem } from '../../../contract';
import { ADMIN_EVENT_TYPES, type AdminEventType } from '../../../domain/types';

const PAGE_SIZE = 50;

const TYPE_LABELS: Record<AdminEventType, string> = {
  USER_CREATED: 'User created',
  USER_CHANGED: 'User changed',
  USER_REVOKED: 'Token revoked',
  DELEGATION_CREATED: 'Delegation given',
  ROUTING_CHANGED: 'Routing changed',
};

const shown = (value: unknown): string => (value === null || value === undefined ? 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** What an event changed, in words: each field's before and after, or what it holds. */
function Change({ event }: { event: AdminEventItem }) {
  const { before, after } = event.data as { before?: Record<string, unknown>; after?: Record<string, unknown> };
  if (before && after) {
    return (
      <ul className="plain">
        {Object.keys(after).map((field) => (
          <li key={field}>
            {field}: {shown(before[field])} → {shown(after[field])}
          </li>
        ))}
      </ul>
    );
  }
  const entries = Object.entries(event.data);
  return entries.length ? (
    <ul className="plain">
      {entries.map(([field, value]) => (
        <li key={field}>
          {field}: {shown(value)}
        </li>
      ))}
    </ul>
  ) : (
    <>—</>
  );
}

export function AdminTrailPage() {
  useDocumentTitle('Administration trail');
  const [filters, setFilters] = useState<{ type?: string; subjectId?: string }>({});
  const list = useCursorList(['admin-events', filters], (cursor, signal) => api.adminEvents({ ...filters, limit: PAGE_SIZE, cursor }, signal));
  return (
    <div className="page">
      <h1>Administration trail</h1>
      <Section title="Changes" id="admin-events">
        <FilterForm label="Filter the administration trail" onFilter={(value) => setFilters({ type: value('type'), subjectId: value('subjectId') })}>
          <Field label="Kind of change">
            {(props) => (
              <select {...props} name="type" defaultValue="">
                <option value="">Every kind</option>
                {ADMIN_EVENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Subject id">{(props) => <input {...props} name="subjectId" autoComplete="off" />}</Field>
        </FilterForm>
        <CursorListBody list={list} what="the administration trail" empty={`Nothing recorded${filters.type || filters.subjectId ? ' matches' : ''}.`} moreLabel={`Show ${PAGE_SIZE} more`}>
          {(items) => (
            <DataTable
              testId="admin-events"
              caption="Changes to people, delegations and routing, newest first"
              columns={['When', 'Who', 'What', 'Subject', 'Change']}
            >
              {items.map((e) => (
                <tr key={e.seq} data-type={e.type}>
                  <td className="nowrap">{formatDateTime(e.at)}</td>
                  <td>{e.actor.name}</td>
                  <td>{TYPE_LABELS[e.type as AdminEventType] ?? e.type}</td>
                  <td>
                    <code>{e.subjectId}</code>
                  </td>
                  <td>
                    <Change event={e} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </CursorListBody>
      </Section>
    </div>
  );
}
