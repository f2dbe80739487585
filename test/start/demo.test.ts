// `npm start -- --demo` fills the desk through the API (users, records, cases in every stage, late ones escalated for
// real by their workflows), and `npm run demo` against the same running stack adds nothing: no user, no invoice, no
// case, no event. Every dashboard figure has something to show. Ctrl-C then leaves nothing running.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { FINDING_CODES } from '../../domain/types';
import { healthy, makeClone, nothingLeft, npm, until, type Clone, type Run } from '../support/clone';

let clone: Clone;
let stack: Run | undefined;

beforeAll(async () => {
  clone = await makeClone({ privateHome: false });
}, 60_000);

afterAll(async () => {
  if (stack) {
    stack.interrupt();
    await stack.exited;
    await nothingLeft(clone);
  }
  await clone?.remove();
});

/** Rows the demo could have added, counted in the database itself (the API has no list of users). */
async function counts(databaseUrl: string): Promise<Record<string, number>> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT
        (SELECT count(*) FROM users WHERE role <> 'system')::int AS users, (SELECT count(*) FROM invoices)::int AS invoices,
        (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_events)::int AS events,
        (SELECT count(*) FROM credit_memos)::int AS memos`);
    return rows[0];
  } finally {
    await db.end();
  }
}

it('fills the desk once through the API; a second run adds nothing; every chart has data', async () => {
  // 0.003 h ≈ 11 s: the late cases' SLA, so that the test waits seconds, not the 36 s a person waits.
  stack = npm(clone, ['start', '--', '--demo'], { DEMO_LATE_SLA_HOURS: '0.003' });
  await until(stack, 'the demo', () => /The demo (desk is ready|did not finish)/.test(stack!.stdout()), 240_000);
  expect(stack.stdout()).toContain('The demo desk is ready');
  expect(await healthy(clone)).toBe(true);
  const first = stack.stdout();
  expect(first).toMatch(/\[demo\] added: 6 users, 200 invoices \(4 customers, \d+ POs, \d+ work orders\), 64 cases/);

  const data = path.join(clone.dir, '.data');
  const { databaseUrl } = JSON.parse(readFileSync(path.join(data, 'stack.json'), 'utf8')) as { databaseUrl: string };
  const users = JSON.parse(readFileSync(path.join(data, 'demo-users.json'), 'utf8')) as { key: string; role: string; team: string | null; approvalLimit: string | null; token: string }[];
  expect(users.map((u) => [u.role, u.team, u.approvalLimit])).toEqual([
    ['specialist', null, null],
    ['ops', 'ORDER_MANAGEMENT', null],
    ['ops', 'SALES_OPS', null],
    ['manager', null, '500.00'],
    ['manager', null, null],
    ['auditor', null, null],
  ]);
  for (const user of users) expect(first).toContain(user.token);
  const before = await counts(databaseUrl);
  expect(before).toMatchObject({ users: 7, invoices: 200, cases: 64 });

  const again = npm(clone, ['run', 'demo']);
  expect(await again.exited).toBe(0);
  expect(again.stdout()).toContain('the desk was already seeded: nothing added, no users made.');
  expect(again.stdout()).toContain('the admin hands out more tokens on the Users page (or POST /api/users)');
  expect(await counts(databaseUrl)).toEqual(before);

  const auditor = users.find((u) => u.role === 'auditor')!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (route: string): Promise<any> => {
    const res = await fetch(`http://127.0.0.1:${clone.ports.api}${route}`, { headers: { authorization: `Bearer ${auditor.token}` } });
    expect(res.status).toBe(200);
    return res.json();
  };

  // Every stage a case rests in, closed with and without a credit, cancelled; every finding code; escalations.
  const cases = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await get(`/api/disputes?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    cases.push(...page.items);
    cursor = page.nextCursor;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const details: any[] = await Promise.all(cases.map((c: { id: string }) => get(`/api/disputes/${c.id}`)));
  const where = new Set(details.map((d) => (d.status === 'OPEN' ? d.stage : d.status === 'CLOSED' ? `CLOSED ${d.resolution.type}` : d.status)));
  expect([...where].sort()).toEqual(['APPROVAL', 'CANCELLED', 'CLOSED CREDIT', 'CLOSED NO_CREDIT', 'INVESTIGATION', 'RESOLUTION']);
  expect(new Set(details.flatMap((d) => d.findings.map((f: { code: string }) => f.code)))).toEqual(new Set(FINDING_CODES));
  const escalations = new Set(details.flatMap((d) => d.events.map((e: { type: string }) => e.type)).filter((t) => t.endsWith('_ESCALATED')));
  expect([...escalations].sort()).toEqual(['APPROVAL_ESCALATED', 'RESOLUTION_ESCALATED', 'TASK_ESCALATED']);
  expect(details.filter((d) => d.creditMemos.length).length).toBe(16);

  // The dashboard's reads: something in every chart, and tasks both overdue and on time.
  const overview = await get('/api/reports/overview');
  expect(overview.openCases.some((c: { count: number }) => c.count > 0)).toBe(true);
  const overdue = overview.tasks.reduce((n: number, t: { overdue: number }) => n + t.overdue, 0);
  const open = overview.tasks.reduce((n: number, t: { open: number }) => n + t.open, 0);
  expect(overdue).toBeGreaterThan(0);
  expect(open).toBeGreaterThan(overdue);
  for (const flow of ['opened', 'closed', 'cancelled'] as const) expect(overview.weeks.some((w: Record<string, number>) => w[flow] > 0)).toBe(true);
  for (const groupBy of ['reasonCode', 'team', 'customerId']) {
    const report = await get(`/api/reports/cycle-time?groupBy=${groupBy}`);
    expect(report.groups.some((g: { medianHours: number | null }) => (g.medianHours ?? 0) > 0)).toBe(true);
    expect(report.stages.some((s: { medianHours: number | null }) => (s.medianHours ?? 0) > 0)).toBe(true);
    expect(report.aging.some((a: { count: number }) => a.count > 0)).toBe(true);
  }
  // The Web UI link each case page shows.
  expect(await get('/api/config')).toEqual({ temporalUi: { url: `http://localhost:${clone.ports.temporalUi}`, namespace: 'default' }, baseCurrency: 'USD' });

  stack.interrupt();
  await stack.exited;
  stack = undefined;
  expect(await nothingLeft(clone)).toEqual([]);
}, 420_000);
