// `npm run chaos [-- --cases N --seed S --in-flight K --max-seconds T --keep-logs]`
// Drives a few hundred dispute cases through every stage against the production topology as users scale it (two API
// and two worker processes on one Temporal dev server on a database file and one embedded PostgreSQL of the run's
// own; the driver spreads its requests over both APIs), injects F1 F2 F4 F5 F9 F22 of docs/proving.md for real while
// they are in flight, posts a payment file as each fault comes (chaos/payments.ts: JSON or camt.054, paying invoices
// and deducting from others, whose deductions open cases by system that the driver then drives like its own), waits
// for every case to finish, then checks the invariants and prints one table. Exits non-zero when any invariant or
// fault rule fails.
import path from 'node:path';
import { parseMoney } from '../domain/money';
import { commandLine, positive } from '../infra/command-line';
import { Driver, type Actor, type Actors } from './driver';
import { Faults, type FaultKind } from './faults';
import { Http } from '../testkit/http';
import { MAX_ACTIVITY_ATTEMPTS, type InvariantViolations } from '../testkit/invariants';
import { checkInvariants, type InvariantResult } from './invariants';
import { prng } from '../testkit/random';
import { DEDUCTION_CODES, makePaymentPlans, makePlans } from './plan';
import { PaymentPoster } from './payments';
import { ROOT, sleep, Stack, withStack } from '../testkit/stack';

const FAULTS = 10;
const USAGE = 'npm run chaos -- [--cases N (400)] [--seed S (random)] [--in-flight K (36)] [--max-seconds T (420)] [--keep-logs]';

function readOptions() {
  const { values } = commandLine(USAGE, {
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      'in-flight': { type: 'string' },
      'max-seconds': { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
    },
  });
  const cases = Math.floor(positive('cases', values.cases, 400, USAGE));
  const inFlight = Math.floor(positive('in-flight', values['in-flight'], 36, USAGE));
  // Each of the ten faults gets a crowd of its own (see reserveFor below).
  if (cases < FAULTS * inFlight) {
    console.error(`--cases must be at least ${FAULTS} × --in-flight (${FAULTS * inFlight})\nusage: ${USAGE}`);
    process.exit(2);
  }
  return {
    cases,
    seed: Math.floor(positive('seed', values.seed, Math.floor(Math.random() * 2 ** 31), USAGE)),
    inFlight,
    maxSeconds: positive('max-seconds', values['max-seconds'], 420, USAGE),
    keepLogs: values['keep-logs'],
  };
}

const options = readOptions();
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s`;
const say = (line: string) => console.log(`[chaos ${elapsed()}] ${line}`);

async function createActors(http: Http, adminToken: string): Promise<Actors> {
  const create = async (name: string, role: string, extra: Record<string, unknown> = {}): Promise<Actor> => {
    const answer = await http.send('POST', '/api/users', { token: adminToken, body: { name, role, ...extra } });
    if (answer.status !== 201) throw new Error(`POST /api/users (${role}) → ${answer.status} ${JSON.stringify(answer.body)}`);
    return { name, role, team: answer.body.team, token: answer.body.token, id: answer.body.id };
  };
  const many = (n: number, make: (i: number) => Promise<Actor>) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));
  const me = await http.send('GET', '/api/me', { token: adminToken });
  const actors: Actors = {
    admin: { name: 'admin', role: 'admin', team: null, token: adminToken, id: me.body.id },
    specialists: await many(3, (i) => create(`Specialist ${i + 1}`, 'specialist')),
    // Manager 4's own limit covers no chaos credit: it approves for Manager 1, whose approvals it holds by delegation.
    managers: await many(4, (i) => create(`Manager ${i + 1}`, 'manager', { approvalLimit: i === 3 ? '0.01' : null })),
    // The first of each team leads it: overdue tasks go to them.
    ops: {
      SALES_OPS: await many(2, (i) => create(`Sales ops ${i + 1}`, 'ops', { team: 'SALES_OPS', lead: i === 0 })),
      ORDER_MANAGEMENT: await many(2, (i) => create(`Order management ${i + 1}`, 'ops', { team: 'ORDER_MANAGEMENT', lead: i === 0 })),
    },
    auditor: await create('Auditor', 'auditor'),
    cash: await create('Cash 1', 'cash'),
  };
  const [absent, , , delegate] = actors.managers;
  const delegation = await http.send('POST', `/api/users/${absent.id}/delegations`, {
    token: adminToken,
    body: { delegateId: delegate.id, from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString() },
  });
  if (delegation.status !== 201) throw new Error(`POST /api/users/:id/delegations → ${delegation.status} ${JSON.stringify(delegation.body)}`);
  return actors;
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      say(`gave up waiting for ${what}`);
      return false;
    }
    await sleep(200);
  }
  return true;
}

// ------------------------------------------------------------ the table

type Row = [string, string, string, boolean | null];

function table(rows: Row[]): string {
  const head: [string, string, string, string] = ['check', 'value', 'rule', 'result'];
  const cells = rows.map(([a, b, c, ok]) => [a, b, c, ok === null ? '' : ok ? 'ok' : 'FAIL']);
  const widths = head.map((h, i) => Math.min(i === 1 ? 90 : 60, Math.max(h.length, ...cells.map((r) => r[i].length))));
  const line = (r: string[]) => `| ${r.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

const n0 = (items: readonly unknown[]) => items.length === 0;

// The rules of the shared invariant check (testkit/invariants.ts), as the table names them.
const RULES: Record<keyof InvariantViolations, string> = {
  duplicateMemos: 'duplicate memos',
  missingMemos: 'approvals without exactly one memo or refusal',
  unexpectedMemos: 'memos without an approval, or on a case closed without credit',
  unapprovedDocuments: 'documents without an eligible approval of their case',
  allocationMismatches: 'documents apart from the approved allocation (per invoice and kind, ≤ disputed)',
  balanceMismatches: 'balance mismatches',
  lineOverCredits: 'lines credited beyond what they billed',
  paymentMismatches: 'payments apart from their applications and unapplied cash',
  duplicateApplications: 'payments applied twice (to one invoice, or unapplied twice)',
  ineligibleApprovals: 'approvals by an ineligible user (role, own proposal, limit)',
  trailProblems: 'trail tampered or incomplete (verify_case_trail, 1..n, read model)',
  escalations: 'SLA escalated more than once',
  memoNumberGaps: 'document number gaps (CM-, DM-, WO-)',
  stuck: 'cases stuck (still OPEN)',
  workflowProblems: 'workflows not COMPLETED, or without their case',
  retryLoops: `activities attempted more than ${MAX_ACTIVITY_ATTEMPTS} times`,
  deductionCases: 'deductions in a case that does not dispute their invoice',
  deductionStatuses: "deductions of another status than their case's (OPEN while open or cancelled, resolved once closed)",
  deductionClearances: "deductions cleared beyond their case's credits and write-offs on the invoice",
  ruleWriteOffs: 'rule write-offs whose deduction is not CLEARED whole, with no case',
  uncasedDeductions: 'deductions from DEDUCTION_CASE_MIN, not written off, without a case',
};

// Money in: deductions from 1.00 open cases, those below 5.00 are written off by rule (a few of each kind per file).
const DEDUCTION_CASE_MIN = '1.00';
const AUTO_WRITE_OFF_MAX = '5.00';
// Deduction cases: about one in twelve of the driver's own (at most one in eight), a few in each file.
const deductionCasesPerFile = (cases: number) => Math.max(1, Math.round(cases / 12 / FAULTS));

// SLAs of seconds, so that escalations act among the cases while faults hold them up: an overdue task goes to its
// team's lead, an overdue approval is offered to the managers whose limit covers it.
const SLAS = { TASK_SLA_HOURS: '0.006', RESOLUTION_SLA_HOURS: '0.01', APPROVAL_SLA_HOURS: '0.006' };

// ------------------------------------------------------------ the run

// F22: two of each, as `docker compose up --scale api=2 --scale worker=2` would run them.
const REPLICAS = 2;
const stack = new Stack({
  name: 'ar-chaos',
  logDir: path.join(ROOT, 'test-results', 'chaos'),
  apis: REPLICAS,
  workers: REPLICAS,
  env: { DEDUCTION_CASE_MIN, AUTO_WRITE_OFF_MAX, ...SLAS },
});

void withStack(stack, async () => {
  say(`seed ${options.seed}, ${options.cases} cases, ${options.inFlight} kept in flight; starting PostgreSQL, Temporal (db file), ${REPLICAS} API and ${REPLICAS} worker processes…`);
  await stack.start();
  say(`stack up: APIs ${stack.apiUrls.join(' ')}, Temporal ${stack.temporalAddress}, worker pids ${stack.workerPids.join(' ')}`);

  const http = new Http(stack.apiUrls);
  const actors = await createActors(http, stack.adminToken);
  const rand = prng(options.seed ^ 0x5eed);
  const runTag = options.seed.toString(36);
  const plans = makePlans(options.cases, options.seed, runTag);
  const money = makePaymentPlans(FAULTS, deductionCasesPerFile(options.cases), options.cases, options.seed, runTag);
  for (const batch of [...plans.imports, ...money.imports]) {
    const answer = await http.send('POST', '/api/records/import', { token: actors.specialists[0].token, body: batch });
    if (answer.status !== 200) throw new Error(`records import → ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  for (const file of money.files) {
    const mappings = Object.entries(DEDUCTION_CODES).map(([code, reasonCode]) => ({ code, reasonCode }));
    const answer = await http.send('PUT', `/api/reason-mappings/${file.customerId}`, { token: actors.specialists[0].token, body: { mappings } });
    if (answer.status !== 200) throw new Error(`reason mappings → ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  say(`${plans.imports.length + money.imports.length} record batches imported; ${Object.values(actors.ops).flat().length + 10} users`);

  const driver = new Driver(http, stack.pool!, plans.cases, actors, { inFlightTarget: options.inFlight, concurrency: 24, rand });
  const faults = new Faults(stack, driver, http, actors, rand, say);
  const poster = new PaymentPoster(http, driver, actors.cash, actors.auditor, runTag);
  driver.adopting = true;
  // The catalogue's rule for every fault: at least 20 cases in flight when it hits, at least 10 finishing after it.
  const minInFlight = 20;
  const minFinishedAfter = 10;
  const deadline = started + options.maxSeconds * 1000;
  let maxInFlight = 0;

  const progress = setInterval(() => {
    maxInFlight = Math.max(maxInFlight, driver.inFlight);
    const stages = Object.entries(driver.stageCounts())
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    say(`opened ${driver.openedCount}/${options.cases}, in flight ${driver.inFlight} [${stages}], finished ${driver.finishedCount}; HTTP ${http.stats.statusLine()}`);
  }, 10_000);
  const sampler = setInterval(() => (maxInFlight = Math.max(maxInFlight, driver.inFlight)), 250);

  const opening = driver.openAll();
  const driving = driver.loop();

  // A crowd spread over the stages, so that a fault finds cases waiting for people and cases inside activities.
  // Most of a crowd, not the rule's bare minimum: a fault let in at 20 could find 19 when it hits (a loaded CI machine
  // let two in at 20 and 23). Should the crowd not come within a minute, the fault goes in and the table judges it.
  const crowdAtFault = Math.max(minInFlight, options.inFlight - 6);
  const crowd = () =>
    waitFor(
      `${crowdAtFault} cases in flight in 3 stages or more`,
      () => driver.inFlight >= crowdAtFault && Object.keys(driver.stageCounts()).length >= 3,
      60_000,
    );
  // The faults follow one another as soon as a crowd is in flight. The second API is not killed right after every
  // worker was (their cases then wait out the sticky queue's timeout, and the other API has nothing to answer). Worker
  // kills come early: a collectEvidence attempt lost with a killed worker is retried only when its 2-minute
  // start-to-close timeout expires, so a late kill would stretch the run by that much. F1 and F2 kill every worker at
  // once; F22 kills one API, then one worker, then the other API, then the other worker, each while the other replica
  // carries on.
  const schedule: (() => Promise<void>)[] = [
    () => faults.killWorkerAtRandom('kill -9 every worker (random moment)'),
    () => faults.killOneApi('kill -9 api-1 mid-request, api-2 carries on', 0),
    () => faults.killWorkerAfterMemoCommits('kill -9 every worker inside memo activities after their commit', 10),
    () => faults.killOneWorker('kill -9 worker-1 mid-transaction, worker-2 carries on', 0),
    () => faults.killOneApi('kill -9 api-2 mid-request, api-1 carries on', 1),
    () => faults.killWorkerAtRandom('kill -9 every worker (random moment)'),
    () => faults.killWorkerInsideMemoTransactions('kill -9 every worker inside memo transactions, before their commit', 8),
    () => faults.killOneWorker('kill -9 worker-2 mid-transaction, worker-1 carries on', 1),
    () => faults.killTemporal('kill -9 Temporal dev server, restart on its db file'),
    () => faults.stopPostgres('PostgreSQL stopped for 30 s', 30_000),
  ];
  if (schedule.length !== FAULTS) throw new Error(`FAULTS is ${FAULTS}, the schedule has ${schedule.length}`);
  // Openings keep one crowd of cases back for every fault still to come, so that each fault finds a crowd however
  // fast the machine runs the cases: a schedule by share of the openings left the last faults 0–3 cases in flight
  // whenever a long fault or a fast machine used the cases up before them.
  const reserveFor = (faultsLeft: number) => faultsLeft * options.inFlight;
  let faultError: Error | undefined;
  // A payment file goes in as each fault's crowd gathers, in the background (never between the crowd and the fault):
  // its deduction cases open while the fault comes, and the file's own posting may meet it.
  for (const [k, inject] of schedule.entries()) {
    if (Date.now() > deadline) break;
    driver.openLimit = options.cases - reserveFor(schedule.length - 1 - k);
    poster.start(money.files[k]);
    await crowd();
    try {
      await inject();
    } catch (err) {
      faultError = err as Error;
      say(`fault failed: ${faultError.message}`);
      if (!stack.postgresUp) await stack.startPostgres().catch(() => undefined);
      if (!stack.temporalUp) await stack.startTemporal().catch(() => undefined);
      await stack.startMissing();
    }
  }
  driver.openLimit = Number.POSITIVE_INFINITY;
  for (const file of money.files.slice(poster.started)) poster.start(file);
  await poster.settled();
  driver.adopting = false;
  await opening;
  say('all cases opened, faults done; waiting for every case to finish…');
  const finished = await waitFor('every case to finish', () => driver.allDone, Math.max(0, deadline - Date.now()));
  driver.stop();
  await driving;
  clearInterval(progress);
  clearInterval(sampler);
  const runSeconds = Math.round((Date.now() - started) / 1000);

  say('checking the invariants…');
  const inv: InvariantResult = await checkInvariants(stack.pool!, stack.temporalClient!, driver.allRuns, parseMoney(DEDUCTION_CASE_MIN));
  // People and controls among the cases: hand-overs, customer waits, decisions by a delegate, escalations that acted.
  const [people] = (
    await stack.pool!.query(
      `SELECT count(*) FILTER (WHERE type = 'CASE_ASSIGNED')::int AS assigned,
              count(*) FILTER (WHERE type = 'CUSTOMER_WAIT_STARTED')::int AS waits,
              count(*) FILTER (WHERE type = 'CUSTOMER_WAIT_ENDED')::int AS resumed,
              count(*) FILTER (WHERE type = 'APPROVAL_ESCALATED' AND jsonb_array_length(coalesce(data->'offeredTo', '[]')) > 0)::int AS offered,
              count(*) FILTER (WHERE type = 'TASK_ESCALATED' AND data->'assignee' IS NOT NULL AND data->'assignee' <> 'null')::int AS to_lead,
              (SELECT count(*)::int FROM approvals WHERE on_behalf_of IS NOT NULL) AS on_behalf,
              (SELECT count(*)::int FROM cases WHERE status = 'OPEN' OR waiting_on IS NOT NULL) AS still_waiting
         FROM case_events`,
    )
  ).rows;
  const { engine } = inv;

  // ------------------------------------------------------------ report
  const opened = driver.runs.filter((r) => r.id).length;
  const adopted = driver.deductionRuns;
  const files = poster.posted;
  const sum = (key: 'payments' | 'applied' | 'deductions' | 'casesOpened' | 'unapplied') => files.reduce((total, f) => total + (f.counts?.[key] ?? 0), 0);
  const plannedDeductionCases = money.files.reduce((total, f) => total + f.cases.length, 0);
  const m = inv.money;
  const refused = driver.runs.filter((r) => r.refused);
  const perKind = (kind: FaultKind) => faults.records.filter((f) => f.kind === kind).length;
  const f9 = driver.f9;
  const f9bad = f9.filter((r) => r.ok === false);
  const f9na = f9.filter((r) => r.ok === null).length;
  const f9of = (check: string) => {
    const rows = f9.filter((r) => r.check === check);
    return `${rows.filter((r) => r.ok).length}/${rows.length}`;
  };
  // Three openings at once on one invoice: its claim lets exactly one case open, the others are refused (422).
  const groups = new Map<string, number>();
  for (const r of driver.runs.filter((r) => r.plan.kind === 'shared')) groups.set(r.plan.invoiceNumber, (groups.get(r.plan.invoiceNumber) ?? 0) + (r.id ? 1 : 0));
  const badGroups = [...groups].filter(([, n]) => n !== 1);
  const rows: Row[] = [
    ['run', `seed ${options.seed}, ${options.cases} cases, ${runSeconds} s`, `all finish within ${options.maxSeconds} s`, finished],
    [
      'cases opened over HTTP',
      `${opened} (${refused.length} refused: ${refused.map((r) => r.refused).slice(0, 2).join('; ') || 'none'})`,
      'all but shared-invoice refusals',
      opened + refused.filter((r) => r.plan.kind === 'shared' && r.refused?.startsWith('opening refused')).length === options.cases,
    ],
    ['one open case per invoice (3 openings at once on one)', `${groups.size - badGroups.length}/${groups.size} invoices with exactly one case`, 'all', badGroups.length === 0],
    ['cases in flight', `max ${maxInFlight}; at each fault: ${faults.records.map((f) => f.inFlight).join(', ')}`, `≥ ${minInFlight} at every fault`, faults.records.every((f) => f.inFlight >= minInFlight)],
    [
      'deduction cases in flight (besides)',
      `at each fault: ${faults.records.map((f) => f.deductionCases).join(', ')}; files posting: ${faults.records.map((f) => f.paymentFiles).join(', ')}`,
      '',
      null,
    ],
    [
      'payment files posted (JSON, camt.054)',
      `${files.length}/${money.files.length} (${files.filter((f) => f.plan.format === 'camt054').length} camt.054): ${m.payments} payments, ` +
        `${sum('applied')} applications, ${m.unapplied} unapplied`,
      'every file answered 200, its deduction cases found',
      files.length === money.files.length && files.every((f) => f.status === 200) && n0(poster.problems),
    ],
    [
      'deductions',
      `${m.deductions}: ${Object.entries(m.statuses).map(([status, n]) => `${status} ${n}`).join(', ')}; ${m.ruleWriteOffs} CLEARED by rule`,
      '',
      null,
    ],
    [
      'deduction cases (opened by system)',
      `${m.systemCases} opened (the answers counted ${sum('casesOpened')}), ${m.joined} deductions joined one; ${adopted.length}/${plannedDeductionCases} driven`,
      'each found and driven; ≤ 1/8 of the cases',
      m.systemCases === plannedDeductionCases && adopted.length === plannedDeductionCases && adopted.length * 8 <= opened,
    ],
    [
      'faults injected',
      `F1 ×${perKind('F1')}, F2 ×${perKind('F2')}, F4 ×${perKind('F4')}, F5 ×${perKind('F5')}, F9 ×${f9.length}, F22 ×${perKind('F22')}`,
      'every kind, none failed to inject',
      perKind('F1') >= 2 && perKind('F2') >= 1 && perKind('F4') >= 1 && perKind('F5') >= 1 && f9.length > 0 && perKind('F22') >= 2 && !faultError,
    ],
  ];
  rows.push(
    [
      'owners and customer waits',
      `${people.assigned} cases handed to another specialist; ${people.waits} customer waits, ${people.resumed} resumed`,
      'some of each; no case left waiting',
      people.assigned > 0 && people.waits > 0 && people.still_waiting === 0,
    ],
    [
      'delegation and escalations that act',
      `${people.on_behalf} approvals by a delegate; escalated: ${people.offered} approvals offered, ${people.to_lead} tasks to their lead`,
      'decisions by delegation; escalations as the SLAs fall',
      people.on_behalf > 0,
    ],
  );
  for (const f of faults.records) {
    const after = driver.runs.filter((r) => r.finishedAt !== undefined && r.finishedAt > f.at).length;
    const rule = f.kind === 'F5' ? '503 only, no hang' : f.kind === 'F2' ? 'no partial memo' : f.kind === 'F22' ? 'the other carries on' : 'all finish';
    rows.push([`${f.kind} ${f.label}`, `in flight ${f.inFlight} (+${f.deductionCases} deduction cases${f.paymentFiles ? `, ${f.paymentFiles} payment file posting` : ''}) [${f.stages}], ${after} finished after`, `≥ ${minFinishedAfter} finish after; ${rule}`, after >= minFinishedAfter && f.problems.length === 0]);
  }
  rows.push(
    [
      'F9 same command twice, one Idempotency-Key',
      `open in turn ${f9of('open again with the same Idempotency-Key')}, open at once ${f9of('open twice at once, one Idempotency-Key')}, ` +
        `task at once ${f9of('complete a task twice at once, one Idempotency-Key')}, approve in turn ${f9of('approve again with the same Idempotency-Key')}, ` +
        `payment file again ${f9of('post a payment file again under a new key')}`,
      'the first answer again',
      f9bad.filter((r) => !r.check.startsWith('two')).length === 0,
    ],
    ['F9 two managers approve at once', f9of('two managers approve at once'), 'one 200, one 409', f9bad.filter((r) => r.check.startsWith('two')).length === 0],
    [
      'cases finished',
      `${engine.closed} closed + ${engine.cancelled} cancelled of ${engine.cases} (${adopted.length} of them deduction cases)`,
      'all',
      engine.open === 0 && engine.cases === opened + adopted.length,
    ],
    [
      'documents issued',
      `${engine.documents.CREDIT} CM, ${engine.documents.DEBIT} DM, ${engine.documents.WRITE_OFF} WO; ` +
        `${driver.runs.filter((r) => r.plan.adjustments && r.steps.some((s) => s.startsWith('propose '))).length} cases proposed an ADJUST`,
      'DM and WO among them (from 100 cases)',
      options.cases < 100 ? null : engine.documents.DEBIT > 0 && engine.documents.WRITE_OFF > 0,
    ],
    ['duplicate memos', String(engine.violations.duplicateMemos.length), '0', n0(engine.violations.duplicateMemos)],
    ['balance mismatches', String(engine.violations.balanceMismatches.length), '0', n0(engine.violations.balanceMismatches)],
    ...Object.entries(engine.violations)
      .filter(([rule]) => rule !== 'duplicateMemos' && rule !== 'balanceMismatches')
      .map(([rule, found]): Row => [`invariant: ${RULES[rule as keyof InvariantViolations]}`, String(found.length), '0', n0(found)]),
    [
      'documents = what the driver proposed (one per invoice and kind)',
      `${inv.documentMismatches.length} differ (${inv.approvalsChecked} approvals checked, ${inv.adjustApprovalsChecked} of them ADJUST)`,
      '0 differ',
      n0(inv.documentMismatches),
    ],
    ['cases made by an Idempotency-Key replay', String(inv.duplicateCases.length), '0', n0(inv.duplicateCases)],
    ['cases that ended otherwise than scripted', String(inv.scriptMismatches.length), '0', n0(inv.scriptMismatches)],
    [
      'confirmed amounts and recommended credit = what the tasks confirmed',
      `${inv.outcomeMismatches.length} differ (${inv.partialCases} cases completed PARTIAL, all tasks done)`,
      '0 differ',
      n0(inv.outcomeMismatches),
    ],
    ['API or worker processes that crashed', String(stack.crashes.length), '0', n0(stack.crashes)],
    ['HTTP 5xx other than 503', String(http.stats.serverErrors.length), '0', n0(http.stats.serverErrors)],
    ['HTTP requests that hung (no answer in 30 s)', String(http.stats.hangs.length), '0', n0(http.stats.hangs)],
    [
      'HTTP answers',
      `${http.stats.requests} requests: ${http.stats.statusLine()}; by API ${http.baseUrls.map((u) => http.answeredBy(u)).join(' / ')}; ${http.stats.failovers} failed over; slowest ${http.stats.slowest} ms`,
      '',
      null,
    ],
    ['unexpected refusals (4xx)', String(driver.surprises.length), '0', n0(driver.surprises)],
  );

  console.log(`\nchaos run: ${options.cases} cases, seed ${options.seed}\n`);
  console.log(table(rows));
  const failed = rows.filter((r) => r[3] === false);
  console.log('\nfaults, in order:');
  for (const f of faults.records) {
    console.log(`  - ${f.kind} at ${Math.round((f.at - started) / 1000)} s, ${f.label}: ${f.detail}`);
    console.log(`      in flight: ${f.inFlight} cases [${f.stages}]; ${f.processes}`);
  }
  const details: [string, readonly unknown[]][] = [
    ['fault problems', faults.records.flatMap((f) => f.problems.map((p) => `${f.kind} ${f.label}: ${p}`))],
    ['payment file problems', poster.problems],
    ['F9 failures', f9bad.map((r) => `${r.check}: ${r.detail}`)],
    ['invariant violations', engine.problems],
    ['documents apart from the proposals', inv.documentMismatches],
    ['duplicate cases', inv.duplicateCases],
    ['script mismatches', inv.scriptMismatches],
    ['outcome mismatches', inv.outcomeMismatches],
    ['crashes', stack.crashes],
    ['HTTP 5xx', http.stats.serverErrors.map((e) => `${e.at} ${e.what}`)],
    ['hangs', http.stats.hangs.map((e) => `${e.at} ${e.what}`)],
    ['unexpected refusals', driver.surprises],
    ['connection errors (a killed API\'s, then sent to the other)', http.stats.unexpected.map((e) => `${e.at} ${e.what}`)],
  ];
  for (const [title, items] of details) {
    if (!items.length) continue;
    console.log(`\n${title} (${items.length}):`);
    for (const item of items.slice(0, 15)) console.log(`  - ${String(item)}`);
    if (items.length > 15) console.log(`  … and ${items.length - 15} more`);
  }
  if (f9na) console.log(`\n(${f9na} F9 checks inconclusive: an outage answered one of the pair)`);
  if (faultError) console.log(`\nfault injection error: ${faultError.message}`);
  if (failed.length || options.keepLogs) {
    const kept = await stack.keepLogs();
    if (kept) console.log(`\nAPI and worker logs kept in ${path.relative(process.cwd(), kept)}`);
  }
  console.log(failed.length ? `\nchaos: FAILED (${failed.map((r) => r[0]).join('; ')})` : '\nchaos: all invariants hold');
  return failed.length ? 1 : 0;
});
