// The faults, injected for real into the running processes (no test hooks in the engine):
//   F1  kill -9 of the worker at random moments, and once inside memo activities after their commit: a side
//       connection locks the memo counter row, a batch of approvals is released, the memo transactions queue on the
//       lock, the Temporal server is paused (SIGSTOP), the lock released: the memos commit, their activities cannot
//       report it, and the worker is killed; the retries must find the memos, not add any;
//   F2  kill -9 of the worker inside its memo transactions, before their commit: the same queue on the locked
//       counter, the worker killed, the lock released; the dead worker's transactions must roll back (no memo, no
//       trail row, no counter increment);
//   F4  kill -9 of the Temporal dev server (database file kept as the crash left it), restart on the same port;
//   F5  PostgreSQL stopped for 30 s: /health and /api routes of every API replica must answer 503 promptly; then
//       restarted;
//   F22 kill -9 of one API replica, then of one worker replica, each restarted after a few seconds, while the other
//       carries on: the driver's requests fail over to the live API with their Idempotency-Key, the live worker
//       takes the dead one's workflow tasks (after their sticky queue's timeout) and its activities (after their
//       start-to-close timeout).
// F1 and F2 kill every worker replica at once (a whole fleet lost): their checks need no worker left running.
import { Client } from 'pg';
import type { Actors, CaseRun, Driver } from './driver';
import type { Http } from '../testkit/http';
import { HEALTH_FRESH_MS } from '../api/health';
import { sleep, type Stack } from '../testkit/stack';

export type FaultKind = 'F1' | 'F2' | 'F4' | 'F5' | 'F22';

export interface FaultRecord {
  kind: FaultKind;
  label: string;
  at: number;
  inFlight: number;
  /** Cases deductions opened in flight besides (not counted by the pacing), and payment files still being posted. */
  deductionCases: number;
  paymentFiles: number;
  stages: string;
  /** What else was in flight when it hit: HTTP requests per API replica, open transactions per worker replica. */
  processes: string;
  detail: string;
  problems: string[];
}

// The application_name of every worker replica's sessions starts so (testkit/stack.ts gives each its own).
const WORKER_APPS = 'ar-dispute-worker-%';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

export class Faults {
  readonly records: FaultRecord[] = [];

  constructor(
    private readonly stack: Stack,
    private readonly driver: Driver,
    private readonly http: Http,
    private readonly actors: Actors,
    private readonly rand: () => number,
    private readonly log: (line: string) => void,
  ) {}

  private async begin(kind: FaultKind, label: string): Promise<FaultRecord> {
    const stages = Object.entries(this.driver.stageCounts())
      .map(([stage, n]) => `${stage[0]}${stage.slice(1).toLowerCase().replace('_m', 'M')}:${n}`)
      .join(' ');
    const requests = this.http.baseUrls.map((url, i) => `api-${i + 1} ${this.http.inFlight(url)}`).join(', ');
    const transactions = await this.workerTransactions().catch(() => 'unknown (PostgreSQL did not answer)');
    const processes = `HTTP requests in flight: ${requests}; worker transactions open: ${transactions}`;
    const record: FaultRecord = {
      kind, label, at: Date.now(), inFlight: this.driver.inFlight, deductionCases: this.driver.deductionInFlight, paymentFiles: this.driver.paymentFilesInFlight, stages, processes, detail: '', problems: [],
    };
    this.records.push(record);
    this.log(`${kind} ${label}: ${record.inFlight} cases in flight (${stages}), and ${record.deductionCases} deduction cases, ${record.paymentFiles} payment files posting; ${processes}`);
    return record;
  }

  /** Open transactions per worker replica, as PostgreSQL sees them: `worker-1 2, worker-2 0`. */
  private async workerTransactions(): Promise<string> {
    const { rows } = await this.stack.pool!.query(
      `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity
        WHERE application_name LIKE $1 AND xact_start IS NOT NULL GROUP BY application_name`,
      [WORKER_APPS],
    );
    const open = new Map(rows.map((r) => [r.app as string, r.n as number]));
    return Array.from({ length: this.stack.workerCount }, (_, i) => `worker-${i + 1} ${open.get(this.stack.workerApplicationName(i)) ?? 0}`).join(', ');
  }

  private async count(sql: string): Promise<number> {
    const { rows } = await this.stack.pool!.query(sql);
    return Number(rows[0].n);
  }
  private memoCount(): Promise<number> {
    return this.count('SELECT count(*) AS n FROM credit_memos');
  }
  private openMemoTransactions(): Promise<number> {
    return this.count(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE application_name LIKE '${WORKER_APPS}' AND xact_start IS NOT NULL AND query ILIKE '%document_counters%'`,
    );
  }

  private async restartWorkers(record: FaultRecord): Promise<number> {
    try {
      return await this.stack.startWorkers();
    } catch (err) {
      record.problems.push(`a worker did not come back: ${(err as Error).message}`);
      throw err;
    }
  }

  // ------------------------------------------------------------ F1

  async killWorkerAtRandom(label: string): Promise<void> {
    const record = await this.begin('F1', label);
    await sleep(this.rand() * 2_000);
    const memoTx = await this.openMemoTransactions().catch(() => -1);
    const activeCommands = this.driver.stageCounts();
    await this.stack.killWorkers();
    const downMs = 500 + Math.floor(this.rand() * 2_500);
    await sleep(downMs);
    const restartMs = await this.restartWorkers(record);
    record.detail = `every worker down ${downMs} ms (+${restartMs} ms to poll again); memo transactions open at the kill: ${memoTx}; ${activeCommands.CREDIT_MEMO ?? 0} cases in CREDIT_MEMO`;
  }

  /** Holds approvals until `batch` cases wait for one (or `waitMs` passes); returns the held cases. */
  private async gatherApprovals(batch: number, waitMs: number): Promise<CaseRun[]> {
    this.driver.holdApprovals = true;
    // Until `batch` wait, or none has joined for 8 s (fewer cases are heading for approval than hoped).
    let last = 0;
    let lastChange = Date.now();
    await until(() => {
      const held = this.driver.heldRuns.length;
      if (held !== last) [last, lastChange] = [held, Date.now()];
      return held >= batch || (held > 0 && Date.now() - lastChange > 8_000) ? true : undefined;
    }, waitMs, 100);
    return this.driver.heldRuns;
  }

  /**
   * Locks the memo counter, releases `held` approvals and waits until the worker's memo transactions queue on the
   * lock (seen in pg_stat_activity); `inside` runs with them queued, then the lock is released in every case.
   */
  private async withMemoTransactionsQueued(
    record: FaultRecord,
    held: CaseRun[],
    inside: (queued: { sessions: number[]; memosBefore: number; release: () => Promise<void> }) => Promise<void>,
  ): Promise<{ approvals: Promise<number> }> {
    const lock = new Client({ connectionString: this.stack.databaseUrl, application_name: 'chaos-lock' });
    lock.on('error', () => undefined);
    await lock.connect();
    try {
      const memosBefore = await this.memoCount();
      await lock.query('BEGIN');
      await lock.query(`SELECT last_value FROM document_counters WHERE series = 'CM' FOR UPDATE`);
      const approvals = this.driver.releaseApprovals();
      const target = Math.max(1, Math.min(held.length, 6));
      let sessions: number[] = [];
      await until(async () => {
        const { rows } = await this.stack.pool!.query(
          `SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1 AND wait_event_type = 'Lock' AND query ILIKE '%document_counters%'`,
          [WORKER_APPS],
        );
        sessions = rows.map((r) => r.pid as number);
        return sessions.length >= target ? true : undefined;
      }, 8_000, 50);
      if (sessions.length === 0) record.problems.push('no memo transaction was seen queued on the counter');
      await inside({ sessions, memosBefore, release: () => lock.query('ROLLBACK').then(() => undefined) });
      // Wrapped: the decisions finish only once a worker runs again, which the caller starts after this returns.
      return { approvals };
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end().catch(() => undefined);
    }
  }

  /** Cases of `runs` whose memo is committed while their workflow still waits for the memo activity's answer. */
  private async committedButUnreported(runs: CaseRun[]): Promise<{ committed: number; unreported: number }> {
    const ids = runs.flatMap((run) => (run.id ? [run.id] : []));
    const { rows } = await this.stack.pool!.query('SELECT case_id::text AS case_id FROM credit_memos WHERE case_id = ANY($1::uuid[])', [ids]);
    const committed = new Set(rows.map((r) => r.case_id as string));
    let unreported = 0;
    for (const run of runs.filter((r) => r.id && committed.has(r.id) && r.workflowId)) {
      const described = await this.stack.temporalClient!.workflow.getHandle(run.workflowId!).describe();
      // Runs from before the ledger's documents issue credit memos by issueCreditMemo, runs since by issueAdjustments.
      if (described.raw.pendingActivities?.some((a) => ['issueCreditMemo', 'issueAdjustments'].includes(a.activityType?.name ?? ''))) unreported += 1;
    }
    return { committed: committed.size, unreported };
  }

  async killWorkerAfterMemoCommits(label: string, batch: number): Promise<void> {
    const held = await this.gatherApprovals(batch, 40_000);
    const record = await this.begin('F1', label);
    let detail = '';
    const { approvals } = await this.withMemoTransactionsQueued(record, held, async ({ sessions, memosBefore, release }) => {
      this.stack.pauseTemporal();
      try {
        await release();
        const all = await until(async () => ((await this.memoCount()) - memosBefore >= sessions.length ? true : undefined), 10_000, 20);
        if (!all) record.problems.push(`only ${(await this.memoCount()) - memosBefore} of ${sessions.length} queued memos committed with Temporal paused`);
        await this.stack.killWorkers();
      } finally {
        this.stack.resumeTemporal();
      }
      const { committed, unreported } = await this.committedButUnreported(held);
      if (unreported === 0) record.problems.push('no memo activity was caught between its commit and its report');
      detail = `${held.length} approvals released, ${sessions.length} memo transactions queued on the locked counter; Temporal paused, lock released: ${committed} memos committed, ${unreported} of their activities unreported when the worker was killed`;
    });
    const restartMs = await this.restartWorkers(record);
    await approvals;
    record.detail = `${detail}; workers back in ${restartMs} ms`;
  }

  // ------------------------------------------------------------ F2

  async killWorkerInsideMemoTransactions(label: string, batch: number): Promise<void> {
    const held = await this.gatherApprovals(batch, 40_000);
    const record = await this.begin('F2', label);
    const issued = () => this.count(`SELECT count(*) AS n FROM case_events WHERE type IN ('CREDIT_MEMO_ISSUED', 'ADJUSTMENTS_ISSUED')`);
    const counter = async () => Number((await this.stack.pool!.query('SELECT last_value FROM credit_memo_counter')).rows[0].last_value);
    let detail = '';
    const { approvals } = await this.withMemoTransactionsQueued(record, held, async ({ sessions, memosBefore, release }) => {
      const [issuedBefore, counterBefore] = [await issued(), await counter()];
      await this.stack.killWorkers();
      await sleep(300);
      // The dead worker's sessions now run on into closed sockets: their statements fail, their transactions roll back.
      await release();
      const gone = await until(async () => {
        const { rows } = await this.stack.pool!.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [sessions]);
        return rows.length === 0 ? true : undefined;
      }, 15_000, 100);
      if (!gone) record.problems.push('the killed worker’s PostgreSQL sessions did not end');
      // Before any new worker runs: nothing of the dead worker's transactions may have committed.
      const [memosAfter, issuedAfter, counterAfter] = [await this.memoCount(), await issued(), await counter()];
      if (memosAfter !== memosBefore || issuedAfter !== issuedBefore || counterAfter !== counterBefore) {
        record.problems.push(`partial commit: memos ${memosBefore}→${memosAfter}, CREDIT_MEMO_ISSUED ${issuedBefore}→${issuedAfter}, counter ${counterBefore}→${counterAfter}`);
      }
      detail = `${held.length} approvals released; ${sessions.length} memo transactions open (queued on the locked counter) at kill -9; after the lock's release they rolled back: +${memosAfter - memosBefore} memos, +${issuedAfter - issuedBefore} trail rows, counter +${counterAfter - counterBefore}`;
    });
    const restartMs = await this.restartWorkers(record);
    await approvals;
    record.detail = `${detail}; workers back in ${restartMs} ms`;
  }

  // ------------------------------------------------------------ F4

  /** Every API replica answers /health with `status` (each asked in turn, until `timeoutMs`); the slowest in ms. */
  private async everyApiHealth(status: number, timeoutMs: number): Promise<number | undefined> {
    const started = Date.now();
    for (const baseUrl of this.http.baseUrls) {
      const ok = await until(async () => ((await this.http.call('GET', '/health', { baseUrl, timeoutMs: 5_000 })).status === status ? true : undefined), timeoutMs, 250);
      if (!ok) return undefined;
    }
    return Date.now() - started;
  }

  async killTemporal(label: string): Promise<void> {
    const record = await this.begin('F4', label);
    await this.stack.killTemporal();
    const killedAt = Date.now();
    const health = await Promise.all(this.http.baseUrls.map((baseUrl) => this.http.call('GET', '/health', { baseUrl, timeoutMs: 10_000 })));
    health.forEach((h, i) => h.status !== 503 && record.problems.push(`api-${i + 1} /health answered ${h.status} with Temporal down`));
    const downMs = 2_000 + Math.floor(this.rand() * 3_000);
    await sleep(Math.max(0, killedAt + downMs - Date.now()));
    await this.stack.startTemporal();
    const apiBackMs = await this.everyApiHealth(200, 60_000);
    if (apiBackMs === undefined) record.problems.push('an API’s /health did not return to 200 within 60 s of the restart');
    // Each worker's connection must find the restarted server by itself (same process, no restart).
    const pids = this.stack.workerPids;
    const polling = await until(async () => ((await Promise.all(pids.map((pid) => this.stack.isPolling(pid)))).every(Boolean) ? true : undefined), 60_000, 500);
    if (!polling) record.problems.push('a worker did not poll the restarted server within 60 s');
    record.detail =
      `server down ${downMs} ms; /health with it down: ${health.map((h) => `${h.status} in ${h.ms} ms`).join(', ')}; ` +
      `every API healthy ${apiBackMs ?? 'NEVER'} ms after the restart; all ${pids.length} workers (same processes) polling again: ${polling ? 'yes' : 'NO'}`;
  }

  // ------------------------------------------------------------ F5

  async stopPostgres(label: string, downMs: number): Promise<void> {
    const record = await this.begin('F5', label);
    await this.stack.stopPostgres();
    const stoppedAt = Date.now();
    // /health answers from its last probe for HEALTH_FRESH_MS (a flood costs one probe a second): the outage shows
    // within that second, and is asked for after it.
    await sleep(HEALTH_FRESH_MS);
    const answers: string[] = [];
    let slowest = 0;
    const specialist = this.actors.specialists[0];
    const probes: [string, string, Parameters<Http['call']>[2]][] = [
      ['GET', '/health', {}],
      ['GET', '/api/disputes?limit=5', { token: this.actors.auditor.token }],
      ['GET', '/api/tasks?status=OPEN', { token: this.actors.ops.SALES_OPS[0].token }],
      [
        'POST',
        '/api/disputes',
        { token: specialist.token, body: { invoiceNumber: 'CH-NONE', disputedAmount: '1.00', reasonCode: 'OTHER' }, headers: { 'idempotency-key': `f5-probe-${stoppedAt}` } },
      ],
    ];
    let rounds = 0;
    while (Date.now() - stoppedAt < downMs - 1_000) {
      rounds += 1;
      for (const [i, baseUrl] of this.http.baseUrls.entries()) {
        for (const [method, path, options] of probes) {
          const answer = await this.http.call(method, path, { ...options, baseUrl, timeoutMs: 15_000 });
          slowest = Math.max(slowest, answer.ms);
          if (answer.status !== 503) record.problems.push(`api-${i + 1} ${method} ${path} answered ${answer.status || 'nothing'} in ${answer.ms} ms with PostgreSQL down (want 503)`);
          else if (answer.ms > 10_000) record.problems.push(`api-${i + 1} ${method} ${path} took ${answer.ms} ms to answer 503`);
          answers.push(`${answer.status}`);
        }
      }
      await sleep(Math.min(5_000, Math.max(0, stoppedAt + downMs - 1_000 - Date.now())));
    }
    await sleep(Math.max(0, stoppedAt + downMs - Date.now()));
    await this.stack.startPostgres();
    const restartedAt = Date.now();
    const recoveredMs = await this.everyApiHealth(200, 60_000);
    if (recoveredMs === undefined) record.problems.push('an API pool did not recover: /health not 200 within 60 s of the restart');
    for (const [i, baseUrl] of this.http.baseUrls.entries()) {
      const me = await this.http.call('GET', '/api/me', { token: specialist.token, baseUrl });
      if (me.status !== 200) record.problems.push(`api-${i + 1} /api/me answered ${me.status} after the restart`);
    }
    const all503 = answers.every((a) => a === '503');
    record.detail =
      `down ${Math.round((restartedAt - stoppedAt) / 1000)} s; ${rounds} rounds of 4 probes (/health, 2 GETs, 1 POST on /api) on each of ${this.http.baseUrls.length} APIs: ` +
      `${all503 ? 'all 503' : answers.join(',')}, slowest ${slowest} ms; every API pool healthy ${recoveredMs ?? 'NEVER'} ms after the restart`;
  }

  // ------------------------------------------------------------ F22

  /**
   * kill -9 of API replica `index` while it has requests in flight; it stays down a few seconds, in which the other
   * replica must answer the driver's requests (those cut on the dead one included, sent again with their key).
   */
  async killOneApi(label: string, index: number): Promise<void> {
    const url = this.http.baseUrls[index];
    // Mid-request: wait (a little) until the replica has requests to lose.
    await until(() => (this.http.inFlight(url) > 0 ? true : undefined), 5_000, 5);
    const record = await this.begin('F22', label);
    const cut = this.http.inFlight(url);
    const answeredBefore = this.othersAnswered(url);
    const failoversBefore = this.http.stats.failovers;
    await this.stack.killApi(index);
    const downMs = 4_000 + Math.floor(this.rand() * 4_000);
    await sleep(downMs);
    const answered = this.othersAnswered(url) - answeredBefore;
    const failovers = this.http.stats.failovers - failoversBefore;
    if (answered === 0) record.problems.push('the other API answered nothing while this one was down');
    const restartMs = await this.stack.startApi(index).catch((err: Error) => {
      record.problems.push(`api-${index + 1} did not come back: ${err.message.split('\n')[0]}`);
      return -1;
    });
    record.detail = `api-${index + 1} killed with ${cut} requests in flight on it; down ${downMs} ms, meanwhile the other API answered ${answered} requests and ${failovers} requests failed over to it with their Idempotency-Key; healthy again ${restartMs} ms after its restart`;
  }

  private othersAnswered(url: string): number {
    return this.http.baseUrls.filter((u) => u !== url).reduce((n, u) => n + this.http.answeredBy(u), 0);
  }

  private async transactionsOf(index: number): Promise<number> {
    const { rows } = await this.stack.pool!.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL',
      [this.stack.workerApplicationName(index)],
    );
    return rows[0].n as number;
  }

  /**
   * kill -9 of worker replica `index`, mid-activity when it can be caught in one; it stays down a few seconds, in
   * which the other replica must keep the cases moving (trail events are written only by the workers' activities).
   */
  async killOneWorker(label: string, index: number): Promise<void> {
    await until(async () => ((await this.transactionsOf(index)) > 0 ? true : undefined), 5_000, 10);
    const record = await this.begin('F22', label);
    const open = await this.transactionsOf(index);
    const pid = this.stack.workerPids[index];
    await this.stack.killWorker(index);
    // From a moment after the kill: what the dead worker had sent to commit before it died is not the other's work.
    const from = new Date(Date.now() + 300);
    // Longer than the sticky queue's 10 s schedule-to-start timeout (the SDK's default): the dead worker's cached
    // cases then go to the other, which must carry them on, not only those it held already (a shorter outage once
    // found every busy case cached on the dead one).
    const downMs = 11_000 + Math.floor(this.rand() * 3_000);
    await sleep(downMs);
    const { rows } = await this.stack.pool!.query('SELECT count(*)::int AS n, count(DISTINCT case_id)::int AS cases FROM case_events WHERE recorded_at >= $1', [from]);
    const { n: events, cases } = rows[0] as { n: number; cases: number };
    if (events === 0) record.problems.push('no trail event was written while this worker was down: the other did not carry on');
    const restartMs = await this.stack.startWorker(index).catch((err: Error) => {
      record.problems.push(`worker-${index + 1} did not come back: ${err.message.split('\n')[0]}`);
      return -1;
    });
    record.detail = `worker-${index + 1} (pid ${pid}) killed with ${open} PostgreSQL transactions open; down ${downMs} ms, meanwhile the other worker wrote ${events} trail events on ${cases} cases; polling again ${restartMs} ms after its restart`;
  }
}
