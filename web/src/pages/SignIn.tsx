import { useState, type FormEvent } from 'react';
import { Brand, ErrorMessage, Field, Notice, SubmitButton } from '../components/common';
import { useDocumentTitle } from '../lib/hooks';

export function SignInPage({ onSignIn, message, error: initialError }: { onSignIn(token: string): Promise<void>; message?: string; error?: unknown }) {
  useDocumentTitle('Sign in');
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<unknown>(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError(new Error('Paste your access token.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(value);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <main className="signin-page" id="main">
      <form className="signin card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <Brand large />
        <h1 id="signin-title">Sign in</h1>
        <p className="muted">Invoice dispute investigation for accounts receivable, operations and approvers.</p>
        {message ? <Notice kind="info">{message}</Notice> : null}
        <ErrorMessage error={error} title={undefined} />
        <Field label="Access token" hint="Your administrator gives you a token. It is kept for this browser tab only.">
          {(props) => (
            <input
              {...props}
              name="token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setTokenText(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <SubmitButton busy={busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
        <section className="signin-help" aria-labelledby="signin-help-title">
          <h2 id="signin-help-title">Where do tokens come from?</h2>
          <ul>
            <li>
              <strong>Running it yourself?</strong> <code>npm start</code> printed the admin token; it is kept in{' '}
              <code>.data/admin-token</code> in the project folder.
            </li>
            <li>
              <strong>Everyone else</strong> gets a token from the admin, who creates users on the <em>Users</em> page (each
              token is shown once).
            </li>
            <li>
              <strong>Just looking?</strong> <code>npm run demo</code> fills the desk with cases and prints a token for
              each role.
            </li>
          </ul>
        </section>
      </form>
    </main>
  );
}
