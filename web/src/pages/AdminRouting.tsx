// The administrator routes finding codes to teams and names who owns the cases the system opens for a customer. Each
// save is the next version, whole; the tasks of cases collected from then on go where it says and record its number.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DoneNotice, ErrorMessage, Field, Loading, Section, SubmitButton, fieldError } from '../components/common';
import { TeamOptions } from '../components/options';
import { PersonSelect } from '../components/people';
import { api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { FINDING_LABELS, formatDateTime, label, teamLabel } from '../lib/format';
import { useDocumentTitle } from '../lib/hooks';
import type { RoutingAnswer } from '../../../contract';
import { FINDING_TEAMS } from '../../../domain/analysis';
import { FINDING_CODES, type FindingCode } from '../../../domain/types';

const ROUTING_KEY = ['routing'];

/** A finding code's choice: '' keeps its default team. */
type Choices = Partial<Record<FindingCode, string>>;
interface OwnerRow {
  key: number;
  customerId: string;
  ownerId: string;
}

const choicesOf = (routing: RoutingAnswer): Choices =>
  Object.fromEntries(routing.rules.filter((r) => !r.isDefault).map((r) => [r.findingCode, r.team]));
const ownersOf = (routing: RoutingAnswer): OwnerRow[] =>
  routing.owners.map((o, key) => ({ key, customerId: o.customerId, ownerId: o.owner.id }));

export function AdminRoutingPage() {
  useDocumentTitle('Routing');
  const routing = useQuery({ queryKey: ROUTING_KEY, queryFn: ({ signal }) => api.routing(signal) });
  return (
    <div className="page">
      <h1>Routing</h1>
      {routing.error ? <ErrorMessage error={routing.error} /> : null}
      {routing.data ? <RoutingForm routing={routing.data} /> : routing.error ? null : <Loading what="the routing" />}
    </div>
  );
}

function RoutingForm({ routing }: { routing: RoutingAnswer }) {
  const queryClient = useQueryClient();
  // What the form holds until it is saved; the version on screen until then is the one read.
  const [choices, setChoices] = useState<Choices>(() => choicesOf(routing));
  const [owners, setOwners] = useState<OwnerRow[]>(() => ownersOf(routing));
  const [nextKey, setNextKey] = useState(routing.owners.length);
  const [message, setMessage] = useState<string | null>(null);
  const { error, busy, run } = useCommand([ROUTING_KEY]);
  // The rules as sent: the codes routed elsewhere than their default, in the order the page lists them.
  const named = FINDING_CODES.filter((code) => choices[code]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    run(
      () =>
        api.putRouting({
          rules: named.map((code) => ({ findingCode: code, team: choices[code]! })),
          owners: owners.map((o) => ({ customerId: o.customerId.trim(), ownerId: o.ownerId })),
        }),
      (saved) => {
        queryClient.setQueryData(ROUTING_KEY, saved);
        setChoices(choicesOf(saved));
        setOwners(ownersOf(saved));
        setMessage(`Saved as version ${saved.version}: cases whose evidence is collected from now on are routed by it.`);
      },
    );
  }

  const setOwner = (key: number, change: Partial<OwnerRow>) => setOwners((rows) => rows.map((o) => (o.key === key ? { ...o, ...change } : o)));

  return (
    <>
      <p data-testid="routing-version">
        {routing.version === 0 ? (
          <>Version 0: every finding code goes to its default team.</>
        ) : (
          <>
            Version {routing.version}, saved by {routing.createdBy?.name} on{' '}
            <time dateTime={routing.createdAt ?? undefined}>{formatDateTime(routing.createdAt)}</time>.
          </>
        )}
      </p>
      <DoneNotice message={message} />
      <form onSubmit={submit} noValidate className="form-grid">
        <ErrorMessage error={error} />
        <Section title="Finding codes → team" id="routing-rules">
          <div className="form-grid form-columns">
            {FINDING_CODES.map((code) => {
              const index = named.indexOf(code);
              return (
                <Field
                  key={code}
                  label={label(FINDING_LABELS, code)}
                  error={index >= 0 ? (fieldError(error, `rules.${index}.team`) ?? fieldError(error, `rules.${index}.findingCode`)) : undefined}
                >
                  {(props) => (
                    <select {...props} name={`team-${code}`} value={choices[code] ?? ''} onChange={(e) => setChoices((c) => ({ ...c, [code]: e.target.value }))}>
                      <option value="">Default ({teamLabel(FINDING_TEAMS[code])})</option>
                      <TeamOptions />
                    </select>
                  )}
                </Field>
              );
            })}
          </div>
        </Section>
        <Section title="Owners of the cases opened for a customer" id="owner-rules">
          {owners.length ? null : <p className="muted">No owner rules: the cases the system opens have no owner until one is assigned.</p>}
          {owners.map((o, index) => (
            <div key={o.key} className="form-grid form-columns" data-testid="owner-rule">
              <Field label="Customer id" error={fieldError(error, `owners.${index}.customerId`)}>
                {(props) => <input {...props} name={`customer-${index}`} value={o.customerId} onChange={(e) => setOwner(o.key, { customerId: e.target.value })} autoComplete="off" />}
              </Field>
              <Field label="Owner" error={fieldError(error, `owners.${index}.ownerId`)}>
                {(props) => (
                  <PersonSelect {...props} name={`owner-${index}`} role="specialist" placeholder="Choose a specialist" value={o.ownerId} onChange={(ownerId) => setOwner(o.key, { ownerId })} />
                )}
              </Field>
              <div className="form-actions">
                <button type="button" className="button-secondary button-small" onClick={() => setOwners((rows) => rows.filter((r) => r.key !== o.key))}>
                  Remove
                </button>
              </div>
            </div>
          ))}
          <div className="form-actions">
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                setOwners((rows) => [...rows, { key: nextKey, customerId: '', ownerId: '' }]);
                setNextKey((k) => k + 1);
              }}
            >
              Add an owner rule
            </button>
          </div>
        </Section>
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…">
            Save as a new version
          </SubmitButton>
        </div>
      </form>
    </>
  );
}
