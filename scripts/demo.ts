// `npm run demo` (against a running `npm start`) or `npm start -- --demo`: a desk worth looking at, made the way people
// would make it, through the HTTP API and the real workflows, never written into the database behind them: one user
// per role (their tokens printed), four customers' records (200 invoices), and 64 cases driven to every stage.
//
// Rerunnable: records have stable ids (DEMO-…), each opening and each command carries an Idempotency-Key, and each
// case is driven only from where it stands to where the desk wants it (scripts/demo-desk.ts). A second run makes no
// users (their tokens are kept in .data/demo-users.json, mode 0600), imports nothing, opens nothing, and says so.
//
// Overdue and escalated cases are not backdated: the cases meant to be late are opened through a second API replica
// (`npm run api`, the same program) that this script runs against the same database and Temporal with a short SLA
// (DEMO_LATE_SLA_HOURS, 0.01 h = 36 s); their workflows escalate for real when it runs out, and the script waits
// for it. It finds the database and Temporal in .data/stack.json, which `npm start` keeps while it runs; against
// another stack (DEMO_API_URL) those cases are opened with that stack's own SLA and fall due later.
import { existsSync, promises as fs } from 'node:fs';
import { z } from 'zod';
import { ADMIN_TOKEN_FILE, DEMO_USERS_FILE, readStackFile, shown } from '../infra/local-data';
import { getFreePort } from '../infra/temporal-dev-server';
import { spawnGroup, type GroupChild } from '../infra/process-group';
import { PROJECT_ROOT } from '../infra/temporal-cli';
import { buildDesk, INVOICE_COUNT, type DemoCase, type Target } from './demo-desk';
import type { RootCause } from '../domain/types';

const CONCURRENCY = 6;

const usersSchema = z.array(
  z.object({ key: z.string(), id: z.string(), name: z.string(), role: z.string(), team: z.string().nullable(), approvalLimit: z.string().nullable(), token: z.string() }),
);
type DemoUser = z.infer<typeof usersSchema>[number];

const PEOPLE = [
  { key: 'specialist', name: 'Sam Specialist', role: 'specialist' },
  { key: 'orderManagement', name: 'Olga Order Management (lead)', role: 'ops', team: 'ORDER_MANAGEMENT', lead: true },
  { key: 'salesOps', name: 'Sol Sales Ops', role: 'ops', team: 'SALES_OPS' },
  { key: 'manager', name: 'Mia Manager (limit 500.00, EUR 450.00)', role: 'manager', approvalLimit: '500.00', approvalLimits: { EUR: '450.00' } },
  { key: 'director', name: 'Max Director (no limit)', role: 'manager', approvalLimit: null },
  { key: 'auditor', name: 'Ada Auditor', role: 'auditor' },
] as const;
type Cast = Record<(typeof PEOPLE)[number]['key'], DemoUser>;

/** An end the person running the demo can act on: printed as one line; code 0 when nothing was wrong. */
class DemoStop extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => console.log(`[demo] ${line}`);

// ---------------------------------------------------------------- HTTP

interface Answer<T> {
  status: number;
  body: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call<T = any>(base: string, token: string | null, method: string, route: string, body?: unknown, key?: string): Promise<Answer<T>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(base + route, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(key && { 'idempotency-key': key }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // Too fast for the rate limit, or Temporal busy for a moment: the same request again (same key) is safe.
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1_000);
      continue;
    }
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
}

async function expectOk<T>(what: string, answer: Promise<Answer<T>>): Promise<T> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

// ---------------------------------------------------------------- the run

interface Tally {
  usersMade: number;
  recordsImported: boolean;
  opened: number;
  commands: number;
}

async function adminToken(): Promise<string> {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  try {
    return (await fs.readFile(ADMIN_TOKEN_FILE, 'utf8')).trim();
  } catch {
    throw new DemoStop('no admin token: run `npm start` first (it writes .data/admin-token), or set ADMIN_TOKEN.');
  }
}

/** The demo's people: made once through POST /api/users, their tokens kept for the next run. */
async function cast(api: string, admin: string, tally: Tally): Promise<Cast> {
  if (existsSync(DEMO_USERS_FILE)) {
    const users = usersSchema.parse(JSON.parse(await fs.readFile(DEMO_USERS_FILE, 'utf8')));
    for (const user of users) {
      const me = await call(api, user.token, 'GET', '/api/me');
      if (me.status !== 200) {
        throw new DemoStop(`the demo user ${user.name} no longer signs in (${me.status}): the desk was reset or the token revoked; delete ${shown(DEMO_USERS_FILE)} to make the demo's users again.`);
      }
    }
    return Object.fromEntries(users.map((u) => [u.key, u])) as Cast;
  }
  if ((await call(api, admin, 'GET', `/api/invoices/${lastInvoice()}`)).status === 200) {
    throw new DemoStop(
      `this desk was filled by a demo run whose tokens file (${shown(DEMO_USERS_FILE)}) is gone: nothing added, no users made. The admin hands out tokens on the Users page (or POST /api/users).`,
      0,
    );
  }
  const users: DemoUser[] = [];
  for (const person of PEOPLE) {
    const { key: _key, ...body } = person;
    const made = await expectOk('creating a user', call(api, admin, 'POST', '/api/users', body));
    users.push({ key: person.key, id: made.id, name: made.name, role: made.role, team: made.team, approvalLimit: made.approvalLimit, token: made.token });
    tally.usersMade += 1;
  }
  await fs.writeFile(DEMO_USERS_FILE, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  return Object.fromEntries(users.map((u) => [u.key, u])) as Cast;
}

const lastInvoice = () => `DEMO-INV-${String(INVOICE_COUNT).padStart(4, '0')}`;

/** One import, one transaction: the last invoice there means all of them are. */
async function records(api: string, people: Cast, tally: Tally): Promise<void> {
  if ((await call(api, people.specialist.token, 'GET', `/api/invoices/${lastInvoice()}`)).status === 200) return;
  await expectOk('importing the records', call(api, people.specialist.token, 'POST', '/api/records/import', buildDesk().records));
  tally.recordsImported = true;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Case = any;

/** The demo's cases already opened, by invoice number (each demo case has an invoice of its own). */
async function openedCases(api: string, people: Cast): Promise<Map<string, string>> {
  const opened = new Map<string, string>();
  for (const customerId of ['DEMO-NORTHWIND', 'DEMO-CONTOSO', 'DEMO-TAILSPIN', 'DEMO-FABRIKAM']) {
    let cursor: string | null = null;
    do {
      const query: string = `/api/disputes?customerId=${customerId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { items: { id: string; invoiceNumber: string }[]; nextCursor: string | null } = await expectOk('listing cases', call(api, people.specialist.token, 'GET', query));
      for (const item of page.items) opened.set(item.invoiceNumber, item.id);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return opened;
}

/** A second API replica with a short SLA, for the cases meant to be late; null where the stack is not ours. */
async function lateReplica(admin: string, slaHours: string): Promise<{ url: string; child: GroupChild } | null> {
  const stack = await readStackFile();
  if (!stack || process.env.DEMO_API_URL) return null;
  const port = await getFreePort();
  const child = spawnGroup(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      ADMIN_TOKEN: admin,
      TASK_SLA_HOURS: slaHours,
      RESOLUTION_SLA_HOURS: slaHours,
      APPROVAL_SLA_HOURS: slaHours,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
    const health = await fetch(`${url}/health`).catch(() => null);
    if (health?.ok) return { url, child };
  }
  await child.stop();
  throw new Error('the short-SLA API replica did not start');
}

const at = (d: Case) => (d.status === 'OPEN' ? d.stage : d.status);

/** Drives one case from wherever it stands to its target; every command idempotent, each step only when due. */
async function drive(api: string, people: Cast, c: DemoCase, id: string, tally: Tally): Promise<void> {
  const get = (): Promise<Case> => expectOk(`reading ${c.key}`, call(api, people.specialist.token, 'GET', `/api/disputes/${id}`));
  const act = async (who: DemoUser, route: string, body: unknown, step: string) => {
    tally.commands += 1;
    await expectOk(`${c.key}: ${step}`, call(api, who.token, 'POST', `/api/disputes/${id}${route}`, body, `demo-${c.key}-${step}`));
  };
  /** Waits while the workflow works on its own (evidence, the memo). */
  const settled = async (): Promise<Case> => {
    for (let i = 0; ; i++) {
      const d = await get();
      if (!(d.status === 'OPEN' && (d.stage === 'EVIDENCE' || d.stage === 'CREDIT_MEMO'))) return d;
      if (i > 600) throw new Error(`${c.key} stays in ${d.stage}`);
      await sleep(100);
    }
  };
  const stopAt: Record<Target, string> = {
    INVESTIGATION: 'INVESTIGATION',
    RESOLUTION: 'RESOLUTION',
    APPROVAL: 'APPROVAL',
    CLOSED_CREDIT: 'CLOSED',
    CLOSED_CREDIT_AFTER_REJECT: 'CLOSED',
    CLOSED_NO_CREDIT: 'CLOSED',
    CANCELLED_IN_INVESTIGATION: 'CANCELLED',
    CANCELLED_IN_RESOLUTION: 'CANCELLED',
    CANCELLED_IN_APPROVAL: 'CANCELLED',
  };
  const cancelIn = c.target.startsWith('CANCELLED_IN_') ? c.target.slice('CANCELLED_IN_'.length) : null;
  const noCredit = c.target === 'CLOSED_NO_CREDIT';

  for (let d = await settled(); at(d) !== stopAt[c.target]; d = await settled()) {
    if (cancelIn && d.stage === cancelIn) {
      await act(people.specialist, '/cancel', { reason: 'Customer withdrew the dispute after a call with the account manager.' }, 'cancel');
    } else if (d.stage === 'INVESTIGATION') {
      for (const task of d.tasks.filter((t: { status: string }) => t.status === 'OPEN')) {
        const who = task.team === 'SALES_OPS' ? people.salesOps : people.orderManagement;
        const confirmed = !noCredit;
        tally.commands += 1;
        await expectOk(
          `${c.key}: task`,
          call(api, who.token, 'POST', `/api/tasks/${task.id}/complete`, {
            outcome: confirmed ? 'CONFIRMED' : 'NOT_CONFIRMED',
            note: confirmed ? `Checked against the ${task.team === 'SALES_OPS' ? 'price list' : 'order and site report'}: the customer is right.` : 'Checked: billed as agreed with the customer.',
          }, `demo-${c.key}-task-${task.team}`),
        );
      }
    } else if (d.stage === 'RESOLUTION') {
      const rejectedBefore = d.approvals.some((a: { decision: string }) => a.decision === 'REJECT');
      if (noCredit || d.recommendedCredit === '0.00') {
        await act(people.specialist, '/resolution', { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR', note: 'Explained the charges to the customer.' }, 'propose-no-credit');
      } else {
        // After a rejection, the specialist proposes again, for less.
        const amount = rejectedBefore ? formatHalf(d.recommendedCredit) : d.recommendedCredit;
        await act(people.specialist, '/resolution', { type: 'CREDIT', amount, rootCause: ROOT_CAUSES[c.recipe].code, note: `${ROOT_CAUSES[c.recipe].why}: credit the overbilled ${amount}.` }, rejectedBefore ? 'propose-again' : 'propose');
      }
    } else if (d.stage === 'APPROVAL') {
      const amount = Number(d.resolution.amount);
      const approver = amount > 500 ? people.director : people.manager;
      const reject = c.target === 'CLOSED_CREDIT_AFTER_REJECT' && !d.approvals.length;
      await act(approver, '/decision', reject ? { decision: 'REJECT', comment: 'Only half of this is supported by the site report.' } : { decision: 'APPROVE', comment: 'Supported by the evidence.' }, reject ? 'reject' : 'approve');
    } else {
      throw new Error(`${c.key} is ${at(d)}, and cannot reach ${c.target}`);
    }
  }
}

/** Where each recipe's error began (the code the resolution takes) and how, in words (its note). */
const ROOT_CAUSES: Record<DemoCase['recipe'], { code: RootCause; why: string }> = {
  PRICE_VARIANCE: { code: 'PRICING_SETUP', why: 'Price list not updated to the contract' },
  CONTRACT_NOT_FOUND: { code: 'CONTRACT_SETUP', why: 'Quoted rate never entered as a contract' },
  QUANTITY_OVER_PO: { code: 'BILLING_OUTPUT', why: 'Billed from the delivery note, not the PO' },
  SKU_NOT_ON_PO: { code: 'BILLING_OUTPUT', why: 'Item added to the invoice by hand' },
  PO_NOT_FOUND: { code: 'ORDER_ENTRY', why: 'Invoice raised on a superseded PO number' },
  SERVICE_NOT_COMPLETED: { code: 'SERVICE_EXECUTION', why: 'Billed on schedule before the work was signed off' },
  DUPLICATE_INVOICE: { code: 'DUPLICATE_BILLING', why: 'Invoice run repeated for the same PO' },
  UNDERBILLED: { code: 'PRICING_SETUP', why: 'Price list below the contract' },
  NONE: { code: 'OTHER', why: 'None' },
};

function formatHalf(amount: string): string {
  const cents = Math.round(Number(amount) * 100);
  return (Math.max(1, Math.floor(cents / 2)) / 100).toFixed(2);
}

async function mapLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * The late cases' waits have run out and the workflows escalated them, each in the stage it rests in (an earlier stage
 * may have been escalated on the way): after that their workflows write nothing more until someone acts.
 */
async function waitForEscalations(api: string, people: Cast, late: { c: DemoCase; id: string }[]): Promise<void> {
  const expected: Partial<Record<Target, string>> = { INVESTIGATION: 'TASK_ESCALATED', RESOLUTION: 'RESOLUTION_ESCALATED', APPROVAL: 'APPROVAL_ESCALATED' };
  const escalated = (c: DemoCase, d: Case) => d.events.some((e: { type: string }) => e.type === expected[c.target]);
  for (const deadline = Date.now() + 5 * 60_000; ; await sleep(2_000)) {
    const pending = [];
    for (const { c, id } of late) if (!escalated(c, await expectOk('reading', call(api, people.auditor.token, 'GET', `/api/disputes/${id}`)))) pending.push(c.key);
    if (!pending.length) return;
    if (Date.now() > deadline) throw new Error(`not escalated in time: ${pending.join(', ')}`);
  }
}

async function summary(api: string, people: Cast): Promise<void> {
  const desk = buildDesk();
  const opened = await openedCases(api, people);
  const counts = new Map<string, number>();
  const codes = new Set<string>();
  let memos = 0;
  let escalated = 0;
  for (const c of desk.cases) {
    const id = opened.get(c.invoiceNumber);
    if (!id) continue;
    const d = await expectOk('reading', call(api, people.auditor.token, 'GET', `/api/disputes/${id}`));
    counts.set(at(d), (counts.get(at(d)) ?? 0) + 1);
    for (const f of d.findings) codes.add(f.code);
    memos += d.creditMemos.length;
    if (d.events.some((e: { type: string }) => e.type.endsWith('_ESCALATED'))) escalated += 1;
  }
  say(`${opened.size} cases: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}; ${escalated} escalated; ${memos} credit memos`);
  say(`finding codes: ${[...codes].sort().join(', ')}`);
}

async function main(): Promise<void> {
  const stack = await readStackFile();
  const api = (process.env.DEMO_API_URL ?? stack?.apiUrl ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
  const health = await fetch(`${api}/health`).catch(() => null);
  if (!health?.ok) throw new DemoStop(`no stack answers at ${api}: start one with npm start (or npm start -- --demo), or set DEMO_API_URL.`);
  const admin = await adminToken();
  const tally: Tally = { usersMade: 0, recordsImported: false, opened: 0, commands: 0 };

  const people = await cast(api, admin, tally);
  await records(api, people, tally);
  const desk = buildDesk();
  const opened = await openedCases(api, people);
  const toOpen = desk.cases.filter((c) => !opened.has(c.invoiceNumber));
  const slaHours = process.env.DEMO_LATE_SLA_HOURS ?? '0.01';
  const replica = toOpen.some((c) => c.late) ? await lateReplica(admin, slaHours) : null;
  try {
    if (toOpen.some((c) => c.late) && !replica) say('no .data/stack.json of a running npm start here: the late cases get this stack\'s own SLA and fall due later.');
    // The late ones first: their clock starts now.
    for (const c of [...toOpen].sort((a, b) => Number(b.late) - Number(a.late))) {
      const via = c.late && replica ? replica.url : api;
      const body = { invoiceNumber: c.invoiceNumber, disputedAmount: c.disputedAmount, reasonCode: c.reasonCode, description: c.description };
      const made = await expectOk(`opening ${c.key}`, call(via, people.specialist.token, 'POST', '/api/disputes', body, `demo-open-${c.key}`));
      opened.set(c.invoiceNumber, made.id);
      tally.opened += 1;
    }
  } finally {
    await replica?.child.stop();
  }
  const all = desk.cases.map((c) => ({ c, id: opened.get(c.invoiceNumber)! }));
  await mapLimit(all, CONCURRENCY, ({ c, id }) => drive(api, people, c, id, tally));
  if (replica) {
    say(`waiting for the late cases' SLA (${slaHours} h) to run out and their workflows to escalate them…`);
    await waitForEscalations(api, people, all.filter(({ c }) => c.late));
  }

  await summary(api, people);
  if (!tally.usersMade && !tally.recordsImported && !tally.opened && !tally.commands) {
    say('the desk was already seeded: nothing added, no users made.');
  } else {
    say(`added: ${tally.usersMade} users, ${tally.recordsImported ? `${desk.records.invoices.length} invoices (4 customers, ${desk.records.purchaseOrders.length} POs, ${desk.records.workOrders.length} work orders)` : 'no records'}, ${tally.opened} cases, ${tally.commands} commands`);
  }
  say(`${tally.usersMade ? 'Tokens of the users made now' : 'No new users; the demo\'s users and tokens'} (kept in ${shown(DEMO_USERS_FILE)}):`);
  for (const user of Object.values(people)) say(`  ${user.name.padEnd(28)} ${user.role}${user.team ? ` ${user.team}` : ''}  ${user.token}`);
  say('Sign in at the web UI with any of them; the admin hands out more tokens on the Users page (or POST /api/users).');
}

main().catch((err: unknown) => {
  console.error(err instanceof DemoStop ? `npm run demo: ${err.message}` : `npm run demo failed: ${(err as Error).message}`);
  process.exit(err instanceof DemoStop ? err.code : 1);
});
