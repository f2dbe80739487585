// The case's notes: calls with the customer, what a team said by phone, anything the trail should not carry.
// Kept by the server apart from the trail, oldest first, paged.
import { useState, type FormEvent } from 'react';
import { api } from '../lib/api';
import { useCommand } from '../lib/commands';
import { useCursorList } from '../lib/cursor-list';
import { formatDateTime } from '../lib/format';
import { ErrorMessage, Field, Loading, MoreButton, SubmitButton, fieldError } from './common';

const PAGE_SIZE = 50;

export function Comments({ caseId, canWrite }: { caseId: string; canWrite: boolean }) {
  const list = useCursorList(['comments', caseId], (cursor, signal) => api.comments(caseId, { limit: PAGE_SIZE, cursor }, signal));
  const { items, error } = list;
  const [text, setText] = useState('');
  // One key per note: sending it again after an answer was lost posts it once; another text is another note.
  const send = useCommand([['comments', caseId]]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) {
      send.refuse('Write the note first.', [{ field: 'body', message: 'must not be empty' }]);
      return;
    }
    // Oldest first: a new note shows last, once every earlier page is shown (the notes are asked again).
    send.run((key) => api.addComment(caseId, { body: text.trim() }, key), () => setText(''));
  }

  return (
    <div data-testid="comments">
      <ErrorMessage error={error} />
      {list.pending ? <Loading what="notes" /> : null}
      {!list.pending && !items.length && !error ? <p className="muted">No notes yet.</p> : null}
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
      <MoreButton list={list} label="Show more notes" className="button-secondary button-small" />
      {canWrite ? (
        <form onSubmit={submit} noValidate className="form-grid comment-form" aria-label="New note">
          <ErrorMessage error={send.error} />
          <Field label="Add a note" hint="Calls, emails, what the customer said. Everyone who can see the case can read it." error={fieldError(send.error, 'body')}>
            {(props) => (
              <textarea
                {...props}
                name="comment"
                rows={2}
                value={text}
                onChange={(e) => {
                  setText(e.target.value);
                  send.setError(undefined);
                  send.newIntent();
                }}
              />
            )}
          </Field>
          <div className="form-actions">
            <SubmitButton className="button-secondary" busy={send.busy} busyLabel="Saving…">
              Add note
            </SubmitButton>
          </div>
        </form>
      ) : null}
    </div>
  );
}
