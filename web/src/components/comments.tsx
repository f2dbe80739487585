// The case's notes: calls with the customer, what a team said by phone, anything the trail should not carry.
// Kept by the server apart from the trail, oldest first, paged.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api, newIdempotencyKey } from '../lib/api';
import { formatDateTime } from '../lib/format';
import type { CaseComment } from '../lib/types';
import { ErrorMessage, Field, Loading, fieldError } from './common';

const PAGE_SIZE = 50;

export function Comments({ caseId, canWrite }: { caseId: string; canWrite: boolean }) {
  const [items, setItems] = useState<CaseComment[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<unknown>();
  // One key per note: sending it again after an answer was lost posts it once; another text is another note.
  const key = useRef(newIdempotencyKey());

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api
      .comments(caseId, { limit: PAGE_SIZE }, controller.signal)
      .then((page) => {
        setItems(page.items);
        setCursor(page.nextCursor ?? null);
      })
      .catch((err: unknown) => !controller.signal.aborted && setError(err))
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [caseId]);

  async function more() {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.comments(caseId, { limit: PAGE_SIZE, cursor });
      setItems((current) => [...current, ...page.items]);
      setCursor(page.nextCursor ?? null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) {
      setSendError(new ApiError(400, 'VALIDATION_FAILED', 'Write the note first.', [{ field: 'body', message: 'must not be empty' }]));
      return;
    }
    setSending(true);
    setSendError(undefined);
    try {
      const added = await api.addComment(caseId, { body: text.trim() }, key.current);
      key.current = newIdempotencyKey();
      // Oldest first: a new note goes last, once every earlier page is shown.
      if (!cursor) setItems((current) => [...current, added]);
      setText('');
    } catch (err) {
      setSendError(err);
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) key.current = newIdempotencyKey();
    } finally {
      setSending(false);
    }
  }

  return (
    <div data-testid="comments">
      <ErrorMessage error={error} />
      {loading && !items.length ? <Loading what="notes" /> : null}
      {!loading && !items.length && !error ? <p className="muted">No notes yet.</p> : null}
      <ol className="comments">
        {items.map((c) => (
          <li key={c.id} className="comment">
            <p className="comment-meta">
              <strong>{c.authorName}</strong> · <time dateTime={c.createdAt}>{formatDateTime(c.createdAt)}</time>
            </p>
            <p className="comment-body">{c.body}</p>
          </li>
        ))}
      </ol>
      {cursor ? (
        <button type="button" className="button-secondary button-small" onClick={more} disabled={loading}>
          Show more notes
        </button>
      ) : null}
      {canWrite ? (
        <form onSubmit={send} noValidate className="form-grid comment-form" aria-label="New note">
          <ErrorMessage error={sendError} />
          <Field label="Add a note" hint="Calls, emails, what the customer said. Everyone who can see the case can read it." error={fieldError(sendError, 'body')}>
            {(props) => (
              <textarea
                {...props}
                name="comment"
                rows={2}
                value={text}
                onChange={(e) => {
                  setText(e.target.value);
                  setSendError(undefined);
                  key.current = newIdempotencyKey();
                }}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" className="button-secondary" disabled={sending}>
              {sending ? 'Saving…' : 'Add note'}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
