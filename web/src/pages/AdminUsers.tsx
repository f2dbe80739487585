// People administration: the administrator gives people access (a user with a role, a team, limits per currency or
// the lead of a team, and its token, shown once), finds them by role, team and whether they are active, changes
// them, deactivates and reactivates them, revokes their token for good, and sees and gives a manager's delegations.
import { useState, type FormEvent } from 'react';
import { CursorListBody, DataTable, ErrorMessage, Field, FilterForm, Notice, Section, SubmitButton, fieldError, useMe } from '../components/common';
import { RoleOptions, TeamOptions } from '../components/options';
import { DelegateForm, LimitsEditor, UserDelegations, limitProblems, limitsOf, limitsText, otherLimitRows, type LimitRow } from '../components/people';
import { api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { useCursorList } from '../lib/cursor-list';
import { ROLE_LABELS, formatDate, teamLabel } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { useConfig, useTeams } from '../lib/queries';
import { moneyInput } from '../lib/money';
import type { Role, User as Me, UserListItem } from '../../../contract';

const PAGE_SIZE = 50;
/** What a change to a user may make stale: the list, the pickers, the trail. */
const USER_KEYS = [['users'], ['people'], ['admin-events']] as const;

export function AdminUsersPage() {
  useDocumentTitle('Users');
  return (
    <div className="page">
      <h1>Users</h1>
      <CreateUser />
      <UserList />
    </div>
  );
}

function useBaseCurrency(): string {
  return useConfig().data?.baseCurrency ?? 'USD';
}

/** What the form itself refuses before asking the server: no name, or a manager's limit that is no amount. */
function userProblems(name: string, role: Role, limit: string, others: LimitRow[]): { field: string; message: string }[] {
  const local: { field: string; message: string }[] = [];
  if (!name.trim()) local.push({ field: 'name', message: 'enter the person’s name' });
  if (role === 'manager') {
    if (limit.trim() && moneyInput(limit) === null) local.push({ field: 'approvalLimit', message: 'an amount with at most 2 decimals, or empty for no limit' });
    local.push(...limitProblems(others));
  }
  return local;
}

function CreateUser() {
  const base = useBaseCurrency();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('specialist');
  const teams = useTeams();
  const [chosenTeam, setTeam] = useState('');
  const team = chosenTeam || (teams.data?.items[0]?.id ?? '');
  const [limit, setLimit] = useState('');
  const [others, setOthers] = useState<LimitRow[]>([]);
  const [lead, setLead] = useState(false);
  const { error, refuse, busy, run } = useCommand(USER_KEYS);
  const [created, setCreated] = useState<(Me & { token: string })[]>([]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const local = userProblems(name, role, limit, others);
    if (local.length) {
      refuse('Please complete the form.', local);
      return;
    }
    run(
      () =>
        api.createUser(
          role === 'ops'
            ? { name: name.trim(), role, team, lead }
            : role === 'manager'
              ? { name: name.trim(), role, approvalLimit: limit.trim() || null, approvalLimits: limitsOf(others) }
              : { name: name.trim(), role },
        ),
      (user) => {
        setCreated((current) => [user, ...current]);
        setName('');
        setLimit('');
        setOthers([]);
        setLead(false);
      },
    );
  }

  return (
    <>
      <Section title="Add a user" id="add-user">
        <form onSubmit={submit} noValidate className="form-grid form-columns" aria-label="Add a user">
          <ErrorMessage error={error} />
          <Field label="Name" error={fieldError(error, 'name')}>
            {(props) => <input {...props} name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Role" error={fieldError(error, 'role')}>
            {(props) => (
              <select {...props} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                <RoleOptions />
              </select>
            )}
          </Field>
          {role === 'ops' ? (
            <>
              <Field label="Team" error={fieldError(error, 'team')}>
                {(props) => (
                  <select {...props} name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
                    <TeamOptions />
                  </select>
                )}
              </Field>
              <label className="choice">
                <input type="checkbox" checked={lead} onChange={(e) => setLead(e.target.checked)} /> Lead (takes the overdue tasks)
              </label>
            </>
          ) : null}
          {role === 'manager' ? (
            <>
              <Field label={`Approval limit in ${base}`} hint="Empty: no limit." error={fieldError(error, 'approvalLimit')}>
                {(props) => <input {...props} name="approvalLimit" inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} />}
              </Field>
              <LimitsEditor rows={others} onChange={setOthers} error={error} who="the new user" />
            </>
          ) : null}
          <div className="form-actions">
            <SubmitButton busy={busy} busyLabel="Adding…">
              Add user
            </SubmitButton>
          </div>
        </form>
      </Section>
      {created.length ? (
        <Section title="Tokens to hand out" id="tokens">
          <Notice kind="warning">
            <p>Each token is shown only here and only now. Hand it to its owner over a safe channel; it is not stored in readable form.</p>
          </Notice>
          <ul className="plain token-list" data-testid="created-users">
            {created.map((u) => (
              <li key={u.id}>
                <strong>{u.name}</strong>, {ROLE_LABELS[u.role]}
                {u.team ? ` (${teamLabel(u.team)})` : ''}
                {u.role === 'manager' ? ` (limits: ${limitsText(u.approvalLimits)})` : ''}
                <div className="token-row">
                  <label className="visually-hidden" htmlFor={`token-${u.id}`}>
                    Token of {u.name}
                  </label>
                  <input id={`token-${u.id}`} readOnly value={u.token} onFocus={(e) => e.currentTarget.select()} className="token" />
                  <button type="button" className="button-secondary button-small" onClick={() => void navigator.clipboard?.writeText(u.token)}>
                    Copy
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </>
  );
}

interface UserFilters {
  role?: string;
  team?: string;
  active?: string;
}

function UserList() {
  const [filters, setFilters] = useState<UserFilters>({});
  const list = useCursorList(['users', filters], (cursor, signal) => api.users({ ...filters, limit: PAGE_SIZE, cursor }, signal));
  const [open, setOpen] = useState<{ id: string; panel: 'edit' | 'delegations' } | null>(null);
  const toggle = (id: string, panel: 'edit' | 'delegations') => setOpen((o) => (o?.id === id && o.panel === panel ? null : { id, panel }));

  return (
    <Section title="Everyone" id="users">
      <FilterForm label="Filter users" onFilter={(value) => setFilters({ role: value('role'), team: value('team'), active: value('active') })}>
        <Field label="Show the role">
          {(props) => (
            <select {...props} name="role" defaultValue="">
              <option value="">Every role</option>
              <RoleOptions />
            </select>
          )}
        </Field>
        <Field label="Show the team">
          {(props) => (
            <select {...props} name="team" defaultValue="">
              <option value="">Every team</option>
              <TeamOptions />
            </select>
          )}
        </Field>
        <Field label="Show who is">
          {(props) => (
            <select {...props} name="active" defaultValue="">
              <option value="">Active or not</option>
              <option value="true">Active</option>
              <option value="false">Inactive</option>
            </select>
          )}
        </Field>
      </FilterForm>
      <CursorListBody list={list} what="users" empty="No users match." moreLabel={`Show ${PAGE_SIZE} more`}>
        {(items) => (
          <DataTable
            testId="users-table"
            caption="Users by name"
            columns={['Person', 'Role', 'Team', 'Approval limits', 'State', 'Actions']}
          >
            {items.flatMap((u) => [
              <tr key={u.id} data-user={u.id} data-active={u.active}>
                <th scope="row">{u.name}</th>
                <td>{ROLE_LABELS[u.role] ?? u.role}</td>
                <td>
                  {u.team ? teamLabel(u.team) : '—'}
                  {u.lead ? ' (lead)' : ''}
                </td>
                <td data-testid="user-limits">{u.role === 'manager' ? limitsText(u.approvalLimits) : '—'}</td>
                <td data-testid="user-state">{u.revokedAt ? `Revoked ${formatDate(u.revokedAt)}` : u.active ? 'Active' : 'Inactive'}</td>
                <td>
                  <UserActions user={u} onEdit={() => toggle(u.id, 'edit')} onDelegations={() => toggle(u.id, 'delegations')} />
                </td>
              </tr>,
              open?.id === u.id ? (
                <tr key={`${u.id}-${open.panel}`}>
                  <td colSpan={6}>
                    {open.panel === 'edit' ? (
                      <EditUser user={u} onDone={() => setOpen(null)} />
                    ) : (
                      <>
                        <UserDelegations userId={u.id} />
                        {u.active && !u.revokedAt ? <DelegateForm managerId={u.id} managerName={u.name} /> : null}
                      </>
                    )}
                  </td>
                </tr>
              ) : null,
            ])}
          </DataTable>
        )}
      </CursorListBody>
    </Section>
  );
}

function UserActions({ user, onEdit, onDelegations }: { user: UserListItem; onEdit(): void; onDelegations(): void }) {
  const me = useMe();
  const switching = useCommand(USER_KEYS);
  const revoking = useCommand(USER_KEYS);
  const [confirming, setConfirming] = useState(false);
  if (user.revokedAt) return <span className="muted">Revoked for good</span>;
  return (
    <div className="card-actions" aria-label={`Actions for ${user.name}`} role="group">
      <button type="button" className="button-secondary button-small" onClick={onEdit}>
        Edit {user.name}
      </button>
      {user.id !== me.id ? (
        <SubmitButton
          busy={switching.busy}
          busyLabel="Saving…"
          className="button-secondary button-small"
          onClick={() => switching.run(() => api.changeUser(user.id, { active: !user.active }), () => undefined)}
        >
          {user.active ? `Deactivate ${user.name}` : `Reactivate ${user.name}`}
        </SubmitButton>
      ) : null}
      {user.role === 'manager' ? (
        <button type="button" className="button-secondary button-small" onClick={onDelegations}>
          Delegations of {user.name}
        </button>
      ) : null}
      {user.id !== me.id ? (
        confirming ? (
          <SubmitButton busy={revoking.busy} busyLabel="Revoking…" className="button-danger button-small" onClick={() => revoking.run(() => api.revokeUser(user.id), () => setConfirming(false))}>
            Revoke the token of {user.name} for good
          </SubmitButton>
        ) : (
          <button type="button" className="button-secondary button-small" onClick={() => setConfirming(true)}>
            Revoke {user.name}
          </button>
        )
      ) : null}
      <ErrorMessage error={switching.error ?? revoking.error} />
    </div>
  );
}

function EditUser({ user, onDone }: { user: UserListItem; onDone(): void }) {
  const base = useBaseCurrency();
  const [name, setName] = useState(user.name);
  const [team, setTeam] = useState(user.team ?? '');
  const [limit, setLimit] = useState(user.approvalLimit ?? '');
  const [others, setOthers] = useState<LimitRow[]>(() => otherLimitRows(user.approvalLimits, base));
  const [lead, setLead] = useState(user.lead);
  const [active, setActive] = useState(user.active);
  const { error, refuse, busy, run } = useCommand(USER_KEYS);

  function submit(event: FormEvent) {
    event.preventDefault();
    const local = userProblems(name, user.role, limit, others);
    if (local.length) {
      refuse('Please complete the form.', local);
      return;
    }
    run(
      () =>
        api.changeUser(user.id, {
          name: name.trim(),
          team: team || null,
          active,
          ...(user.role === 'manager' ? { approvalLimit: limit.trim() || null, approvalLimits: limitsOf(others) } : {}),
          ...(user.role === 'ops' ? { lead } : {}),
        }),
      onDone,
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form-grid form-columns" aria-label={`Change ${user.name}`}>
      <ErrorMessage error={error} />
      <Field label={`New name for ${user.name}`} error={fieldError(error, 'name')}>
        {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={`Team of ${user.name}`} error={fieldError(error, 'team')}>
        {(props) => (
          <select {...props} value={team} onChange={(e) => setTeam(e.target.value)}>
            {user.role === 'ops' ? null : <option value="">No team</option>}
            <TeamOptions />
          </select>
        )}
      </Field>
      {user.role === 'manager' ? (
        <>
          <Field label={`Approval limit in ${base} of ${user.name}`} hint="Empty: no limit in this currency." error={fieldError(error, 'approvalLimit')}>
            {(props) => <input {...props} inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} />}
          </Field>
          <LimitsEditor rows={others} onChange={setOthers} error={error} who={user.name} />
        </>
      ) : null}
      {user.role === 'ops' ? (
        <label className="choice">
          <input type="checkbox" checked={lead} onChange={(e) => setLead(e.target.checked)} /> {user.name} is the lead (takes the overdue tasks)
        </label>
      ) : null}
      <label className="choice">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> {user.name} is active
      </label>
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Saving…">
          Save {user.name}
        </SubmitButton>
        <button type="button" className="button-secondary" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}

