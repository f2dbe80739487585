// The administrator gives people access: a user with a role (and a team or an approval limit) and its token,
// shown once.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Field, Notice, Section, SubmitButton, fieldError } from '../components/common';
import { TeamOptions } from '../components/options';
import { api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { ROLE_LABELS, teamLabel } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import { useTeams } from '../lib/queries';
import { showMoney, moneyInput } from '../lib/money';
import type { Role, User as Me } from '../../../contract';
import { ROLES } from '../../../domain/types';

export function AdminUsersPage() {
  useDocumentTitle('Users');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('specialist');
  const teams = useTeams();
  const [chosenTeam, setTeam] = useState('');
  const team = chosenTeam || (teams.data?.items[0]?.id ?? '');
  const [limit, setLimit] = useState('');
  // Nothing on screen lists users: nothing to ask again.
  const { error, refuse, busy, run } = useCommand([]);
  const [created, setCreated] = useState<(Me & { token: string })[]>([]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    if (!name.trim()) local.push({ field: 'name', message: 'enter the person’s name' });
    if (role === 'manager' && limit.trim() && moneyInput(limit) === null) local.push({ field: 'approvalLimit', message: 'an amount with at most 2 decimals, or empty for no limit' });
    if (local.length) {
      refuse('Please complete the form.', local);
      return;
    }
    run(
      () =>
        api.createUser(
          role === 'ops'
            ? { name: name.trim(), role, team }
            : role === 'manager'
              ? { name: name.trim(), role, approvalLimit: limit.trim() || null }
              : { name: name.trim(), role },
        ),
      (user) => {
        setCreated((current) => [user, ...current]);
        setName('');
        setLimit('');
      },
    );
  }

  return (
    <div className="page">
      <h1>Users</h1>
      <Section title="Add a user" id="add-user">
        <form onSubmit={submit} noValidate className="form-grid form-columns">
          <ErrorMessage error={error} />
          <Field label="Name" error={fieldError(error, 'name')}>
            {(props) => <input {...props} name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Role" error={fieldError(error, 'role')}>
            {(props) => (
              <select {...props} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {role === 'ops' ? (
            <Field label="Team" error={fieldError(error, 'team')}>
              {(props) => (
                <select {...props} name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
                  <TeamOptions />
                </select>
              )}
            </Field>
          ) : null}
          {role === 'manager' ? (
            <Field label="Approval limit" hint="Empty: no limit." error={fieldError(error, 'approvalLimit')}>
              {(props) => <input {...props} name="approvalLimit" inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} />}
            </Field>
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
                {u.role === 'manager' ? ` (limit ${u.approvalLimit ? showMoney(u.approvalLimit) : 'none'})` : ''}
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
    </div>
  );
}
