// `npm run schemathesis [-- --examples N --seed S --role R ... --max-seconds-per-role T --serve]`
// F16 of docs/proving.md: provisions the production topology like the chaos run (its own embedded PostgreSQL, a
// Temporal dev server, the API and the worker as separate processes), seeds records, users of every role and cases
// in every stage, then runs schemathesis (.tools/venv, pinned below) against the API's /openapi.json once per role,
// with that role's bearer token and the seeded ids bound to the path parameters. Exits non-zero when any run finds
// a failure: a 5xx, an answer outside the document (status, content type, schema, headers), accepted bad input.
// --serve: seed, print the URL and tokens, and keep the stack up until Ctrl-C (to run schemathesis by hand).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commandLine, positive } from '../../infra/command-line';
import { onLines, spawnGroup } from '../../infra/process-group';
import { Http } from '../../testkit/http';
import { ROOT, sleep, Stack, withStack } from '../../testkit/stack';

const SCHEMATHESIS_VERSION = '4.32.5';
const VENV_BIN = path.join(ROOT, '.tools', 'venv', 'bin');
const SCHEMATHESIS = path.join(VENV_BIN, 'schemathesis');
const VENV_PYTHON = path.join(VENV_BIN, 'python');
const CONFIG = path.join(__dirname, 'schemathesis.toml');
// One run per role, and per team for ops (what a team sees differs); the admin last: it may revoke tokens.
const ROLES = ['specialist', 'ops-sales', 'ops-orders', 'manager', 'auditor', 'cash', 'admin'] as const;
type RoleName = (typeof ROLES)[number];

const USAGE = `npm run schemathesis -- [--examples N (25)] [--seed S] [--role ${ROLES.join('|')}]… [--max-seconds-per-role T (60)] [--serve]`;

function readOptions() {
  const { values } = commandLine(USAGE, {
    options: {
      examples: { type: 'string' },
      seed: { type: 'string' },
      role: { type: 'string', multiple: true, default: [] },
      'max-seconds-per-role': { type: 'string' },
      serve: { type: 'boolean', default: false },
    },
  });
  const roles = (values.role.length ? values.role : [...ROLES]) as RoleName[];
  const seed = positive('seed', values.seed, 20260223, USAGE);
  const bad = roles.filter((r) => !ROLES.includes(r));
  if (bad.length || !Number.isInteger(seed)) {
    console.error(`bad options: roles ${bad.join(', ') || 'ok'}, seed ${seed}\nusage: ${USAGE}`);
    process.exit(2);
  }
  return {
    examples: positive('examples', values.examples, 25, USAGE),
    seed,
    roles,
    serve: values.serve,
    maxSecondsPerRole: positive('max-seconds-per-role', values['max-seconds-per-role'], 60, USAGE),
  };
}

const options = readOptions();
const started = Date.now();
const say = (line: string) => console.log(`[schemathesis ${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s] ${line}`);

async function installedVersion(): Promise<string> {
  if (!existsSync(SCHEMATHESIS)) return '';
  return new Promise<string>((resolve) => {
    const child = spawn(SCHEMATHESIS, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', () => resolve(out.trim()));
    child.on('error', () => resolve(''));
  });
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

/**
 * The pinned schemathesis in the project's virtualenv, the one scripts/install-temporal.mjs makes for the Temporal
 * CLI (created here the same way when it is missing): from PyPI, nothing installed outside the checkout.
 */
async function ensureSchemathesis(): Promise<void> {
  if ((await installedVersion()).endsWith(SCHEMATHESIS_VERSION)) return;
  if (!existsSync(VENV_PYTHON)) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', path.dirname(VENV_BIN)]);
  say(`pip install schemathesis==${SCHEMATHESIS_VERSION} into .tools/venv`);
  run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  const version = await installedVersion();
  if (!version.endsWith(SCHEMATHESIS_VERSION)) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} did not install (found: ${version || 'nothing'})`);
}

// ------------------------------------------------------------ seeding

interface Seeded {
  tokens: Record<RoleName, string>;
  caseIds: string[];
  caseNumbers: string[];
  taskIds: string[];
  invoiceNumbers: string[];
  revocableUserIds: string[];
  /** Customers (open items) and unapplied cash (apply): the money routes' ids. */
  moneyIds: string[];
  /** Customers with a reason mapping: the {customerId} of the mapping routes. */
  mappedCustomerIds: string[];
  /** Real cursors of each paged list, so that most pages asked for exist (a forged cursor is a 422). */
  cursors: { disputes: string[]; tasks: string[]; comments: string[]; invoices: string[]; unapplied: string[] };
}

function fixture(tag: string, contractPrice: string, invoiceQty: number) {
  const customerId = `ST-CUST-${tag}`;
  const poId = `ST-PO-${tag}`;
  return {
    invoiceNumber: `ST-INV-${tag}`,
    records: {
      customers: [{ id: customerId, name: `Schemathesis customer ${tag}` }],
      contracts: [{ id: `ST-CTR-${tag}`, customerId, currency: 'USD', validFrom: '2026-01-01', validTo: null, prices: [{ sku: 'SKU-A', unitPrice: contractPrice }] }],
      purchaseOrders: [{ id: poId, customerId, contractId: `ST-CTR-${tag}`, orderedAt: '2026-02-01T00:00:00Z', lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 10, unitPrice: '100.00' }] }],
      workOrders: [{ id: `ST-WO-${tag}`, purchaseOrderId: poId, status: 'COMPLETED', completedAt: '2026-02-10T00:00:00Z', lines: [{ sku: 'SKU-A', quantityCompleted: 10 }] }],
      invoices: [
        {
          number: `ST-INV-${tag}`,
          customerId,
          purchaseOrderId: poId,
          issuedAt: '2026-02-15T00:00:00Z',
          dueAt: '2026-03-15T00:00:00Z',
          currency: 'USD',
          lines: [{ lineNo: 1, sku: 'SKU-A', quantity: invoiceQty, unitPrice: '100.00' }],
        },
      ],
    },
  };
}

async function seed(stack: Stack, http: Http): Promise<Seeded> {
  const admin = stack.adminToken;
  const user = async (role: string, extra: Record<string, unknown> = {}) => {
    const answer = await http.send('POST', '/api/users', { token: admin, body: { name: `Schemathesis ${role}`, role, ...extra } });
    if (answer.status !== 201) throw new Error(`POST /api/users → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { id: string; token: string };
  };
  const specialist = await user('specialist');
  const manager = await user('manager', { approvalLimit: null });
  const salesOps = await user('ops', { team: 'SALES_OPS' });
  const orderOps = await user('ops', { team: 'ORDER_MANAGEMENT' });
  const auditor = await user('auditor');
  const cash = await user('cash');
  // Users the admin run may revoke without cutting off the other runs.
  const revocable = await Promise.all([user('auditor'), user('specialist'), user('manager', { approvalLimit: '500.00' })]);

  const fixtures = Array.from({ length: 8 }, (_, i) => fixture(`${i}`, i % 4 === 3 ? '100.00' : '90.00', i % 2 ? 12 : 10));
  const merged: Record<string, unknown[]> = {};
  for (const f of fixtures) for (const [k, v] of Object.entries(f.records)) merged[k] = [...(merged[k] ?? []), ...v];
  const imported = await http.send('POST', '/api/records/import', { token: specialist.token, body: merged });
  if (imported.status !== 200) throw new Error(`records import → ${imported.status} ${JSON.stringify(imported.body)}`);

  const command = async (method: string, url: string, token: string, body: unknown, want = 200) => {
    const answer = await http.send(method, url, { token, body });
    if (answer.status !== want) throw new Error(`${method} ${url} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const caseIds: string[] = [];
  const caseNumbers: string[] = [];
  for (const f of fixtures.slice(0, 6)) {
    const opened = await command('POST', '/api/disputes', specialist.token, { invoiceNumber: f.invoiceNumber, disputedAmount: '150.00', reasonCode: 'PRICING' }, 201);
    caseIds.push(opened.id);
    caseNumbers.push(opened.caseNumber);
  }
  const detail = async (id: string) => command('GET', `/api/disputes/${id}`, specialist.token, undefined);
  const settled = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const c = await detail(id);
      if (c.stage !== 'EVIDENCE') return c;
      await sleep(100);
    }
    throw new Error(`case ${id} stayed in EVIDENCE`);
  };
  const cases = await Promise.all(caseIds.map(settled));
  const opsFor = (team: string) => (team === 'SALES_OPS' ? salesOps.token : orderOps.token);
  const finishTasks = async (c: { id: string; tasks: { id: string; team: string; status: string }[] }) => {
    for (const t of c.tasks.filter((t) => t.status === 'OPEN')) {
      await command('POST', `/api/tasks/${t.id}/complete`, opsFor(t.team), { outcome: 'CONFIRMED', note: 'seeded' });
    }
  };
  // Case 0 stays in INVESTIGATION (open tasks); 1 in RESOLUTION; 2 in APPROVAL; 3 closed with a memo;
  // 4 closed without credit; 5 cancelled.
  for (const c of cases.slice(1, 5)) await finishTasks(c);
  const propose = (id: string, body: unknown) => command('POST', `/api/disputes/${id}/resolution`, specialist.token, body);
  await propose(cases[2].id, { type: 'CREDIT', amount: '50.00', rootCause: 'OTHER' });
  await propose(cases[3].id, { type: 'CREDIT', amount: '60.00', rootCause: 'OTHER' });
  await command('POST', `/api/disputes/${cases[3].id}/decision`, manager.token, { decision: 'APPROVE' });
  await propose(cases[4].id, { type: 'NO_CREDIT', rootCause: 'OTHER' });
  await command('POST', `/api/disputes/${cases[5].id}/cancel`, specialist.token, { reason: 'seeded' });

  for (const text of ['first note', 'second note', 'third note']) {
    await command('POST', `/api/disputes/${cases[0].id}/comments`, specialist.token, { body: text }, 201);
  }
  // Customer 6's codes mapped (two versions), so that its deduction below has a reason of ours and GET has a mapping.
  for (const reasonCode of ['PRICING', 'QUANTITY']) {
    await command('PUT', '/api/reason-mappings/ST-CUST-6', specialist.token, { mappings: [{ code: 'DMG', reasonCode }] });
  }
  // Money in: a payment in part on invoice 6 with a deduction, and two payments for invoices we do not have
  // (unapplied cash), so that the worklist, its apply and the deductions have rows and a second page.
  await command('POST', '/api/payments', cash.token, {
    payments: [
      {
        id: 'ST-PAY-1',
        customerId: 'ST-CUST-6',
        receivedAt: '2026-03-01T00:00:00Z',
        currency: 'USD',
        amount: '100.00',
        remittance: [{ invoiceNumber: fixtures[6].invoiceNumber, paid: '100.00', deductions: [{ amount: '20.00', reasonCode: 'DMG' }] }],
      },
      ...['ST-PAY-2', 'ST-PAY-3'].map((id) => ({
        id,
        receivedAt: '2026-03-02T00:00:00Z',
        currency: 'USD',
        amount: '75.00',
        remittance: [{ invoiceNumber: `NO-SUCH-${id}`, paid: '75.00' }],
      })),
    ],
  });
  const unapplied = (await command('GET', '/api/unapplied-cash', cash.token, undefined)) as { items: { id: string }[] };

  const cursorOf = async (url: string, token: string): Promise<string[]> => {
    const page = await command('GET', url, token, undefined);
    if (!page.nextCursor) throw new Error(`GET ${url} gave no nextCursor`);
    return [page.nextCursor];
  };
  const cursors = {
    disputes: await cursorOf('/api/disputes?limit=1', specialist.token),
    tasks: await cursorOf('/api/tasks?limit=1', specialist.token),
    comments: await cursorOf(`/api/disputes/${cases[0].id}/comments?limit=1`, specialist.token),
    invoices: await cursorOf('/api/invoices?limit=1', specialist.token),
    unapplied: await cursorOf('/api/unapplied-cash?limit=1', cash.token),
  };

  const taskIds = cases.flatMap((c) => c.tasks.map((t: { id: string }) => t.id));
  return {
    cursors,
    tokens: {
      admin,
      specialist: specialist.token,
      manager: manager.token,
      'ops-sales': salesOps.token,
      'ops-orders': orderOps.token,
      auditor: auditor.token,
      cash: cash.token,
    },
    caseIds,
    caseNumbers,
    taskIds,
    invoiceNumbers: fixtures.map((f) => f.invoiceNumber),
    revocableUserIds: revocable.map((u) => u.id),
    moneyIds: [...fixtures.map((_, i) => `ST-CUST-${i}`), ...unapplied.items.map((u) => u.id)],
    mappedCustomerIds: ['ST-CUST-6'],
  };
}

// ------------------------------------------------------------ the config of a run

const toml = (value: string) => JSON.stringify(value); // a JSON string is a valid TOML basic string

async function writeConfig(dir: string, seeded: Seeded): Promise<string> {
  const base = await readFile(CONFIG, 'utf8');
  const dictionary = (name: string, values: string[]) => `\n[dictionaries.${name}]\nvalues = [${values.map(toml).join(', ')}]\n`;
  const binding = (name: string, probability: number) => `{ dictionary = ${toml(name)}, probability = ${probability} }`;
  const generated = [
    '\n# ---- generated by test/schemathesis/run.ts: the seeded ids and cursors',
    dictionary('ids', [...seeded.caseIds, ...seeded.caseNumbers, ...seeded.taskIds, ...seeded.revocableUserIds, ...seeded.moneyIds]),
    dictionary('invoices', seeded.invoiceNumbers),
    dictionary('mappedCustomers', seeded.mappedCustomerIds),
    dictionary('disputeCursors', seeded.cursors.disputes),
    dictionary('taskCursors', seeded.cursors.tasks),
    dictionary('commentCursors', seeded.cursors.comments),
    dictionary('invoiceCursors', seeded.cursors.invoices),
    dictionary('unappliedCursors', seeded.cursors.unapplied),
    // Every {id} of every route (cases by id or number, tasks, the throwaway users the admin may revoke), every
    // {number}, a mapped {customerId}, and the invoice of a new case: mostly ids that exist, sometimes generated ones.
    `\n[parameters]\n"path.id" = ${binding('ids', 0.85)}\n"path.number" = ${binding('invoices', 0.8)}\n"path.customerId" = ${binding('mappedCustomers', 0.8)}\n"body.invoiceNumber" = ${binding('invoices', 0.8)}\n`,
    ...[
      ['/api/disputes', 'disputeCursors'],
      ['/api/tasks', 'taskCursors'],
      ['/api/disputes/{id}/comments', 'commentCursors'],
      ['/api/invoices', 'invoiceCursors'],
      ['/api/unapplied-cash', 'unappliedCursors'],
    ].map(
      ([operationPath, name]) =>
        `\n[[operations]]\ninclude-path = ${toml(operationPath)}\ninclude-method = "GET"\nparameters = { "query.cursor" = ${binding(name, 1)} }\n`,
    ),
  ].join('');
  const file = path.join(dir, 'schemathesis.toml');
  await writeFile(file, base + generated);
  return file;
}

// ------------------------------------------------------------ running it

interface RoleResult {
  role: RoleName;
  code: number | null;
  seconds: number;
  summary: string;
}

function runSchemathesis(role: RoleName, token: string, apiUrl: string, config: string, cwd: string): Promise<RoleResult> {
  const began = Date.now();
  const args = [
    '--config-file', config,
    '--no-color',
    'run', `${apiUrl}/openapi.json`,
    '--url', apiUrl,
    '--header', `Authorization: Bearer ${token}`,
    '--max-examples', String(options.examples),
    '--seed', String(options.seed),
    '--max-time', String(options.maxSecondsPerRole),
    // One worker: with two, schemathesis 4.32.5 once failed an operation with an internal KeyError of its own.
    '--workers', '1',
    '--request-timeout', '20',
    '--output-truncate', 'false',
    // A health check of the generator, not of the API: the opening's body (one invoice, or items whose ids carry the
    // document's visible-character patterns inside an array) makes some seeds filter most generated examples.
    '--suppress-health-check=filter_too_much',
  ];
  return new Promise((resolve) => {
    const lines: string[] = [];
    // Only 127.0.0.1: no proxy from the environment may redirect the run.
    const env = { ...process.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };
    const { child } = spawnGroup(SCHEMATHESIS, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = `[${role}] `;
    for (const stream of [child.stdout!, child.stderr!]) {
      onLines(stream, (line) => {
        lines.push(line);
        console.log(prefix + line.replaceAll(token, '<token>'));
      });
    }
    child.on('close', (code) => {
      // The summary's "Test cases:" line (how many were generated, how many failed) and its closing line.
      const at = lines.findIndex((l) => l.trim() === 'Test cases:');
      const cases = at >= 0 ? (lines[at + 1]?.trim() ?? '') : 'no summary';
      const closing = [...lines].reverse().find((l) => /^=+ .* =+$/.test(l.trim()))?.replace(/=+/g, '').trim() ?? '';
      resolve({ role, code, seconds: Math.round((Date.now() - began) / 1000), summary: `${cases}; ${closing}` });
    });
  });
}

// Each role's run sends every operation without a token and with a forged one (its authentication checks): two
// attempts an operation, more than the default budget of a client address in a minute. One address runs every role,
// so the budget is raised for this API; the throttle itself is proved by test/faults/resource-limits.test.ts.
const stack = new Stack({
  name: 'ar-schemathesis',
  logDir: path.join(ROOT, 'test-results', 'schemathesis'),
  env: { AUTH_ATTEMPTS_PER_MINUTE: '1000' },
});

void withStack(stack, async () => {
  await ensureSchemathesis();
  say('starting PostgreSQL, Temporal, API and worker processes…');
  await stack.start();
  const http = new Http(stack.apiUrl);
  const seeded = await seed(stack, http);
  say(`seeded: ${seeded.caseIds.length} cases in every stage, ${seeded.taskIds.length} tasks, users of every role`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'ar-schemathesis-run-'));
  try {
    const config = await writeConfig(workDir, seeded);
    if (options.serve) {
      console.log(`\nAPI ${stack.apiUrl}  config ${config}`);
      for (const role of ROLES) console.log(`  ${role.padEnd(10)} ${seeded.tokens[role]}`);
      console.log('Ctrl-C stops everything.');
      await new Promise(() => undefined);
    }
    const results: RoleResult[] = [];
    for (const role of options.roles) {
      say(`--- ${role}`);
      results.push(await runSchemathesis(role, seeded.tokens[role], stack.apiUrl, config, workDir));
    }
    const failed = results.filter((r) => r.code !== 0);
    console.log('\nschemathesis, one run per role:');
    for (const r of results) console.log(`  ${r.role.padEnd(11)} ${r.code === 0 ? 'ok  ' : 'FAIL'} ${String(r.seconds).padStart(4)} s  ${r.summary}`);
    if (failed.length) {
      const kept = await stack.keepLogs();
      if (kept) console.log(`API and worker logs kept in ${path.relative(process.cwd(), kept)}`);
    }
    console.log(failed.length ? `\nschemathesis: FAILED for ${failed.map((r) => r.role).join(', ')}` : '\nschemathesis: no failures');
    return failed.length ? 1 : 0;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
});
