import { createContext, useContext, useId, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../lib/api';
import type { CursorList } from '../lib/cursor-list';
import { STAGE_LABELS, label, statusLabel, teamLabel } from '../lib/format';
import { showMoney } from '../lib/money';
import type { User as Me, Role } from '../../../contract';
import { STAGES } from '../../../domain/types';

// ---------------------------------------------------------------- the signed-in user

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside a signed-in session');
  return me;
}

/** Whether the signed-in user's role is one of `roles` (domain/types' CASE_READERS, …): what to offer a link to. */
export function useRoleIn(roles: readonly Role[]): boolean {
  return roles.includes(useMe().role);
}

// ---------------------------------------------------------------- errors and notices

/** The server's refusal as the user should read it: its message, then each field it named. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const message = apiError ? apiError.message : error instanceof Error ? error.message : String(error);
  const heading = title ?? (apiError ? headingFor(apiError.status) : 'Something went wrong');
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <p className="notice-title">
        <strong>{heading}</strong>
        {apiError && apiError.status > 0 ? <span className="notice-code"> ({apiError.status} {apiError.code})</span> : null}
      </p>
      <p>{message}</p>
      {apiError && apiError.details.some((d) => !message.includes(d.message)) ? (
        <ul className="notice-details">
          {apiError.details.map((d, i) => (
            <li key={i}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function headingFor(status: number): string {
  switch (status) {
    case 0:
      return 'No connection';
    case 400:
      return 'Please correct the highlighted fields';
    case 401:
      return 'Your session is not accepted';
    case 403:
      return 'Not allowed';
    case 404:
      return 'Not found';
    case 409:
      return 'Not possible in the current state';
    case 422:
      return 'Refused by the business rules';
    case 503:
      return 'Temporarily unavailable';
    default:
      return 'The server could not do this';
  }
}

export function Notice({ kind, children }: { kind: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'success' ? 'status' : undefined}>
      {children}
    </div>
  );
}

/** What the user's last command did, or nothing. */
export function DoneNotice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Notice kind="success">
      <p>{message}</p>
    </Notice>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** The way to a list's next page, while the server has more after the last item shown. */
export function MoreButton({ list, label, className = 'button-secondary' }: { list: Pick<CursorList<unknown>, 'hasMore' | 'more' | 'loadingMore'>; label: string; className?: string }) {
  if (!list.hasMore) return null;
  return (
    <button type="button" className={className} onClick={list.more} disabled={list.loadingMore}>
      {list.loadingMore ? 'Loading…' : label}
    </button>
  );
}

/**
 * A cursor list's body, one way for every page that lists: the refusal, the first page on its way, `empty` when there
 * is nothing, else `children` given the items shown; then the way to the next page.
 */
export function CursorListBody<T>({
  list,
  what,
  empty,
  moreLabel,
  children,
}: {
  list: CursorList<T>;
  /** What is loading, as "Loading …" reads it. */
  what: string;
  empty: ReactNode;
  moreLabel: string;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <>
      {list.error ? <ErrorMessage error={list.error} /> : list.pending ? <Loading what={what} /> : !list.items.length ? <p className="empty">{empty}</p> : children(list.items)}
      <MoreButton list={list} label={moreLabel} />
    </>
  );
}

/**
 * A list's filters: the controls named by the field each sets, and one Filter button. `onFilter` reads a control's
 * value by name, trimmed, an empty one as undefined (every filter then left out of the query).
 */
export function FilterForm({ label: text, onFilter, children }: { label: string; onFilter(value: (name: string) => string | undefined): void; children: ReactNode }) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    onFilter((name) => String(data.get(name) ?? '').trim() || undefined);
  }
  return (
    <form className="filters inline-filters" onSubmit={submit} aria-label={text}>
      {children}
      <button type="submit" className="button-secondary">
        Filter
      </button>
    </form>
  );
}

/** A table of rows under column headings, its caption for screen readers only, scrolling sideways when narrow. */
/** A column's heading: its label, a numeric one right-aligned; false leaves the column out. */
export type Column = string | { label: string; numeric: true } | false;

export function DataTable({ testId, caption, columns, children }: { testId: string; caption: ReactNode; columns: readonly Column[]; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="data" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === 'string' ? (
                <th key={c} scope="col">
                  {c}
                </th>
              ) : c ? (
                <th key={c.label} scope="col" className="num">
                  {c.label}
                </th>
              ) : null,
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- form fields

/**
 * A command's button: disabled while the command is on its way, saying what it does meanwhile. With `onClick` it sends
 * without a form.
 */
export function SubmitButton({
  busy,
  busyLabel,
  disabled,
  className,
  onClick,
  children,
}: {
  busy: boolean;
  busyLabel: string;
  disabled?: boolean;
  className?: string;
  onClick?: () => void;
  children: ReactNode;
}) {
  return (
    <button type={onClick ? 'button' : 'submit'} className={className} onClick={onClick} disabled={busy || disabled}>
      {busy ? busyLabel : children}
    </button>
  );
}

/** A labelled control; `error` (from the server's details) is announced with the control. */
export function Field({
  label: text,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{text}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(field) : undefined;
}

// ---------------------------------------------------------------- small displays

/** The product's mark: in the top bar, and larger where one signs in. */
export function Brand({ large }: { large?: boolean }) {
  return (
    <div className={`brand${large ? ' brand-large' : ''}`}>
      <span className="brand-mark" aria-hidden="true">
        AR
      </span>
      <span>Disputes</span>
    </div>
  );
}

export function Money({ amount, currency, strong }: { amount: string | bigint | null | undefined; currency?: string; strong?: boolean }) {
  const text = showMoney(amount, currency);
  return <span className={`money${strong ? ' money-strong' : ''}`}>{text}</span>;
}

export function StageBadge({ stage }: { stage: string }) {
  return <span className={`badge badge-stage badge-${stage.toLowerCase()}`}>{label(STAGE_LABELS, stage)}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-status badge-${status.toLowerCase()}`}>{statusLabel(status)}</span>;
}

export function TeamName({ team }: { team: string | null | undefined }) {
  return <span className="team">{teamLabel(team)}</span>;
}

/** Where the case is in its life, as an ordered list a screen reader reads as "step 3 of 6, current". */
export function StageStepper({ stage, status }: { stage: string; status: string }) {
  const current = STAGES.indexOf(stage as (typeof STAGES)[number]);
  return (
    <ol className="stepper" aria-label="Case stages">
      {STAGES.map((s, i) => {
        const state = status === 'CANCELLED' && i === current ? 'cancelled' : i < current || stage === 'DONE' ? 'done' : i === current ? 'current' : 'todo';
        return (
          <li key={s} className={`step step-${state}`} aria-current={i === current ? 'step' : undefined}>
            <span className="step-dot" aria-hidden="true">
              {state === 'done' ? '✓' : i + 1}
            </span>
            <span className="step-label">{STAGE_LABELS[s]}</span>
            {state === 'cancelled' ? <span className="visually-hidden"> (cancelled here)</span> : null}
          </li>
        );
      })}
    </ol>
  );
}

export function Section({ title, id, actions, children }: { title: string; id?: string; actions?: ReactNode; children: ReactNode }) {
  const generated = useId();
  const headingId = `${id ?? generated}-heading`;
  return (
    <section className="card" aria-labelledby={headingId} id={id}>
      <div className="card-header">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function DefinitionList({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
