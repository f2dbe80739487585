// Who owns the case and whom it waits on, with what the owner and managers may do about it: assign it to another
// specialist (picked from GET /api/people), and, for the owner, wait on the customer (its SLA clocks stop) and resume.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../lib/api';
import { useCommand } from '../../lib/commands';
import { formatDateTime, waitingOnLabel } from '../../lib/format';
import { usePeople } from '../../lib/queries';
import type { DisputeDetail } from '../../../../contract';
import { WAITING_CUSTOMER } from '../../../../domain/types';
import { DefinitionList, ErrorMessage, Field, Section, SubmitButton, fieldError, useMe } from '../common';
import { PersonSelect } from '../people';

export function WaitingOnBadge({ party }: { party: string | null }) {
  if (!party) return null;
  return (
    <span className={`badge badge-waiting${party === WAITING_CUSTOMER ? ' badge-waiting-customer' : ''}`} data-testid="waiting-on">
      Waiting on {waitingOnLabel(party)}
    </span>
  );
}

export function Ownership({ dispute: d, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const me = useMe();
  const open = d.status === 'OPEN';
  const owns = me.role === 'specialist' && d.ownerId === me.id;
  const mayAssign = open && (me.role === 'manager' || owns);
  const wait = d.customerWait;
  return (
    <Section title="Owner" id="owner">
      <DefinitionList
        items={[
          ['Owner', <span key="o" data-testid="case-owner">{d.ownerName ?? 'Nobody'}</span>],
          ...(open ? ([['Waiting on', <WaitingOnBadge key="w" party={d.waitingOn} />]] as [string, ReactNode][]) : []),
          ...(wait
            ? ([
                ['Customer asked', <span key="r" data-testid="customer-wait-reason">{wait.reason}</span>],
                ['Since', formatDateTime(wait.since)],
                ['Resumes by itself', wait.until ? formatDateTime(wait.until) : 'No: the owner resumes'],
              ] as [string, ReactNode][])
            : []),
        ]}
      />
      {mayAssign ? <AssignForm dispute={d} onDone={onDone} /> : null}
      {open && owns && !d.parkedError ? wait ? <ResumeForm dispute={d} onDone={onDone} /> : <AwaitCustomerForm dispute={d} onDone={onDone} /> : null}
    </Section>
  );
}

function AssignForm({ dispute: d, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  // The picker asks for the same list: here for the name the message gives and for why it may be empty.
  const people = usePeople('specialist');
  const [userId, setUserId] = useState('');
  const { error, refuse, busy, run } = useCommand();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!userId) {
      refuse('Please pick a specialist.', [{ field: 'userId', message: 'pick who takes the case' }]);
      return;
    }
    const name = people.data?.items.find((p) => p.id === userId)?.name ?? 'the specialist';
    run(
      (key) => api.assign(d.id, { userId }, key),
      () => onDone(`The case is ${name}'s now.`),
    );
  }
  return (
    <form onSubmit={submit} noValidate className="form-grid" aria-label="Assign the case">
      <ErrorMessage error={error ?? people.error} />
      <Field label="Assign to" error={fieldError(error, 'userId')}>
        {(props) => <PersonSelect {...props} name="userId" role="specialist" exclude={d.ownerId} placeholder="Pick a specialist" value={userId} onChange={setUserId} />}
      </Field>
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Assigning…">
          Assign
        </SubmitButton>
      </div>
    </form>
  );
}

function AwaitCustomerForm({ dispute: d, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const { error, refuse, busy, run } = useCommand();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) {
      refuse('Please say what the customer was asked.', [{ field: 'reason', message: 'say what you wait for' }]);
      return;
    }
    // A datetime-local is the person's local time: sent as the instant it names.
    const at = until ? new Date(until) : null;
    if (at && Number.isNaN(at.getTime())) {
      refuse('Please give a valid date and time.', [{ field: 'until', message: 'a date and time, or none' }]);
      return;
    }
    run(
      (key) => api.awaitCustomer(d.id, { reason: reason.trim(), ...(at ? { until: at.toISOString() } : {}) }, key),
      () => onDone('The case waits on the customer: its SLA clocks are stopped.'),
    );
  }
  return (
    <details className="await-customer">
      <summary>Waiting on customer…</summary>
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Wait on the customer">
        <ErrorMessage error={error} />
        <Field label="What the customer was asked" error={fieldError(error, 'reason')}>
          {(props) => <input {...props} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <Field label="Resume by itself at (optional)" error={fieldError(error, 'until')}>
          {(props) => <input {...props} type="datetime-local" name="until" value={until} onChange={(e) => setUntil(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…">
            Wait on customer
          </SubmitButton>
        </div>
      </form>
    </details>
  );
}

function ResumeForm({ dispute: d, onDone }: { dispute: DisputeDetail; onDone(message: string): void }) {
  const { error, busy, run } = useCommand();
  function submit(event: FormEvent) {
    event.preventDefault();
    run(
      (key) => api.resume(d.id, key),
      () => onDone('The case is resumed: its due times moved by the time it waited.'),
    );
  }
  return (
    <form onSubmit={submit} noValidate aria-label="Resume the case">
      <ErrorMessage error={error} />
      <SubmitButton busy={busy} busyLabel="Resuming…">
        Resume
      </SubmitButton>
    </form>
  );
}
