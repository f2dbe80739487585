import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Brand, ErrorMessage, Loading, MeContext } from './components/common';
import { ApiError, api, onUnauthorized } from './lib/api';
import { ROLE_LABELS, teamLabel } from './lib/format';
import { href, matchPath, useLocation } from './lib/router';
import { clearToken, getToken, setToken } from './lib/session';
import type { Role, User as Me } from '../../contract';
import { CASE_READERS, INVOICE_READERS } from '../../domain/types';
import { AdminRoutingPage } from './pages/AdminRouting';
import { AdminTrailPage } from './pages/AdminTrail';
import { AdminUsersPage } from './pages/AdminUsers';
import { OutOfOfficePage } from './pages/OutOfOffice';
import { ApprovalsPage } from './pages/approvals/ApprovalsPage';
import { CasePage } from './pages/case/CasePage';
import { CasesPage } from './pages/cases/CasesPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { ImportPage } from './pages/Import';
import { InboxPage } from './pages/inbox/InboxPage';
import { OpenCasePage } from './pages/open-case/OpenCasePage';
import { OpenItemsPage } from './pages/OpenItems';
import { PaymentsPage } from './pages/Payments';
import { SignInPage } from './pages/SignIn';

interface RouteDef {
  pattern: string;
  roles: readonly Role[];
  render(params: Record<string, string>): ReactNode;
}

// Who may see what mirrors the contract's table; the server enforces it anyway.
const ROUTES: RouteDef[] = [
  { pattern: '/cases', roles: ['specialist', 'manager', 'auditor'], render: () => <CasesPage /> },
  { pattern: '/cases/:id', roles: CASE_READERS, render: (p) => <CasePage id={p.id} /> },
  { pattern: '/open', roles: ['specialist'], render: () => <OpenCasePage /> },
  { pattern: '/inbox', roles: ['ops', 'specialist', 'manager'], render: () => <InboxPage /> },
  { pattern: '/approvals', roles: ['manager'], render: () => <ApprovalsPage /> },
  { pattern: '/dashboard', roles: ['manager', 'auditor'], render: () => <DashboardPage /> },
  { pattern: '/import', roles: ['admin', 'specialist'], render: () => <ImportPage /> },
  { pattern: '/users', roles: ['admin'], render: () => <AdminUsersPage /> },
  { pattern: '/routing', roles: ['admin'], render: () => <AdminRoutingPage /> },
  { pattern: '/out-of-office', roles: ['manager'], render: () => <OutOfOfficePage /> },
  { pattern: '/admin-trail', roles: ['admin', 'auditor'], render: () => <AdminTrailPage /> },
  // Every invoice reader sees the deductions there; posting and the unapplied cash only those who work the cash.
  { pattern: '/payments', roles: INVOICE_READERS, render: () => <PaymentsPage /> },
  { pattern: '/customers', roles: INVOICE_READERS, render: () => <OpenItemsPage /> },
  { pattern: '/customers/:id', roles: INVOICE_READERS, render: (p) => <OpenItemsPage customerId={p.id} /> },
];

const NAV: Record<Role, { path: string; label: string }[]> = {
  specialist: [
    { path: '/cases', label: 'Cases' },
    { path: '/open', label: 'Open a case' },
    { path: '/inbox', label: 'Tasks' },
    { path: '/import', label: 'Import records' },
    { path: '/payments', label: 'Payments' },
    { path: '/customers', label: 'Open items' },
  ],
  ops: [{ path: '/inbox', label: 'Inbox' }],
  manager: [
    { path: '/approvals', label: 'Approvals' },
    { path: '/dashboard', label: 'Dashboard' },
    { path: '/cases', label: 'Cases' },
    { path: '/inbox', label: 'Tasks' },
    { path: '/payments', label: 'Deductions' },
    { path: '/customers', label: 'Open items' },
    { path: '/out-of-office', label: 'Out of office' },
  ],
  auditor: [
    { path: '/dashboard', label: 'Dashboard' },
    { path: '/cases', label: 'Cases' },
    { path: '/payments', label: 'Deductions' },
    { path: '/customers', label: 'Open items' },
    { path: '/admin-trail', label: 'Administration trail' },
  ],
  admin: [
    { path: '/users', label: 'Users' },
    { path: '/routing', label: 'Routing' },
    { path: '/import', label: 'Import records' },
    { path: '/payments', label: 'Payments' },
    { path: '/customers', label: 'Open items' },
    { path: '/admin-trail', label: 'Administration trail' },
  ],
  // Cash application reads no cases: its work is the money in and the invoices it pays.
  cash: [
    { path: '/payments', label: 'Payments' },
    { path: '/customers', label: 'Open items' },
  ],
};

const HOME: Record<Role, string> = {
  specialist: '/cases',
  ops: '/inbox',
  manager: '/approvals',
  auditor: '/dashboard',
  admin: '/users',
  cash: '/payments',
};

type Session = { state: 'checking' } | { state: 'signed-out'; message?: string; error?: unknown } | { state: 'signed-in'; me: Me };

export function App() {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session>(() => (getToken() ? { state: 'checking' } : { state: 'signed-out' }));

  // A token kept from earlier in this tab: ask the server who it belongs to.
  useEffect(() => {
    if (session.state !== 'checking') return;
    let cancelled = false;
    api
      .me()
      .then((me) => !cancelled && setSession({ state: 'signed-in', me }))
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 401) clearToken();
        setSession({ state: 'signed-out', error: error instanceof ApiError && error.status === 401 ? undefined : error });
      });
    return () => {
      cancelled = true;
    };
  }, [session.state]);

  useEffect(
    () =>
      onUnauthorized((message) => {
        clearToken();
        queryClient.clear();
        setSession({ state: 'signed-out', message: `You have been signed out: ${message}` });
      }),
    [queryClient],
  );

  const signIn = useCallback(async (token: string) => {
    const me = await api.me(token);
    setToken(token);
    queryClient.clear();
    setSession({ state: 'signed-in', me });
    if (!window.location.hash || window.location.hash === '#/' || window.location.hash === '#') window.location.hash = `#${HOME[me.role]}`;
  }, [queryClient]);

  const signOut = useCallback(() => {
    clearToken();
    queryClient.clear();
    setSession({ state: 'signed-out', message: 'You are signed out.' });
    window.location.hash = '#/';
  }, [queryClient]);

  if (session.state === 'checking') {
    return (
      <main className="signin-page">
        <Loading what="your session" />
      </main>
    );
  }
  if (session.state === 'signed-out') {
    return <SignInPage onSignIn={signIn} message={session.message} error={session.error} />;
  }
  return (
    <MeContext.Provider value={session.me}>
      <Shell me={session.me} onSignOut={signOut} />
    </MeContext.Provider>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut(): void }) {
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const path = location.path === '/' ? HOME[me.role] : location.path;

  // A new page: move focus to its heading, as a page load would, so keyboard and screen-reader users start there.
  useEffect(() => {
    const heading = mainRef.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }, [path]);

  let content: ReactNode = null;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    content = route.roles.includes(me.role) ? (
      route.render(params)
    ) : (
      <div className="page">
        <h1>Not available</h1>
        <ErrorMessage error={new ApiError(403, 'FORBIDDEN', `The ${ROLE_LABELS[me.role] ?? me.role} role cannot use this page.`)} />
        <p>
          <a href={href(HOME[me.role])}>Go to your start page</a>
        </p>
      </div>
    );
    break;
  }
  content ??= (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <a href={href(HOME[me.role])}>Go to your start page</a>
      </p>
    </div>
  );

  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <Brand />
        <nav aria-label="Main">
          <ul>
            {NAV[me.role].map((item) => {
              const active = path === item.path || path.startsWith(`${item.path}/`);
              return (
                <li key={item.path}>
                  <a href={href(item.path)} aria-current={active ? 'page' : undefined} className={active ? 'active' : undefined}>
                    {item.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="whoami" data-testid="whoami">
          <span className="whoami-name">{me.name}</span>
          <span className="whoami-role">
            {ROLE_LABELS[me.role] ?? me.role}
            {me.team ? ` · ${teamLabel(me.team)}` : ''}
          </span>
          <button type="button" className="button-secondary button-small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {content}
      </main>
    </>
  );
}
