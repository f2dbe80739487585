// Drives every case through its life over HTTP, the way people would: a specialist opens it, ops of the right team
// complete its tasks, the specialist proposes, managers decide, some cases are cancelled on the way. The driver
// watches the read model (its own PostgreSQL, read-only) to see where each case is, waits a little "think time" at
// every human step so that at any moment cases sit in every stage, and sends each command with an Idempotency-Key
// so that it can resend whatever an outage left unanswered. It also runs the F9 checks: duplicate commands with one
// key, and two managers approving at the same moment. Cases a payment's deductions opened (by the actor system) are
// handed to it once their posting answers (adopt) and driven the same way; the pacing counts only its own openings.
// Some cases change hands (a manager assigns them to another specialist) and some wait on the customer for a while
// (their owner awaits, then resumes), so that owners and paused SLAs meet the faults too.
import type { Pool } from 'pg';
import type { Http, Answer } from '../testkit/http';
import type { CasePlan } from './plan';
import { sleep } from '../testkit/stack';

export interface Actor {
  name: string;
  role: string;
  team: string | null;
  token: string;
  id: string;
}

export interface Actors {
  admin: Actor;
  specialists: Actor[];
  managers: Actor[];
  ops: Record<string, Actor[]>;
  auditor: Actor;
  cash: Actor;
}

interface Observed {
  status: string;
  stage: string;
  stageEnteredAt: string;
  closedMs: number | null;
  openTasks: { id: string; team: string; findings: { id: string; amount: string }[] }[];
  resolutions: number;
  rejects: number;
  refused: number;
  ownerId: string | null;
  waitingOn: string | null;
}

export interface CaseRun {
  plan: CasePlan;
  specialist: Actor;
  id?: string;
  workflowId?: string;
  openedAt?: number;
  finishedAt?: number;
  /** Opening refused by the business rules (a shared invoice whose balance was already credited). */
  refused?: string;
  busy: boolean;
  nextAt: number;
  seen?: string;
  observed?: Observed;
  /** The proposal was refused for the open balance: propose NO_CREDIT instead. */
  noCreditFallback: boolean;
  /** Steps sent, for the report. */
  steps: string[];
  /** What each answered task completion confirmed of each finding (minor units), by finding id. */
  confirmed: Map<string, bigint>;
  /** The case was handed to another specialist, or waited on the customer: once each at most. */
  assigned: boolean;
  awaited: boolean;
}

export interface F9Result {
  check: string;
  ok: boolean | null; // null: inconclusive (an outage answered instead)
  detail: string;
}

export interface DriverOptions {
  /** Cases kept in flight while any are left to open: every fault must hit a crowd, whatever the machine's speed. */
  inFlightTarget: number;
  /** Parallel HTTP commands at most. */
  concurrency: number;
  rand: () => number;
}

const CANCELLABLE = ['EVIDENCE', 'INVESTIGATION', 'RESOLUTION', 'APPROVAL'];

const money = (minor: bigint): string => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;

export class Driver {
  /** The cases the driver opens: the pacing's (inFlight, stageCounts, openLimit). */
  readonly runs: CaseRun[];
  /** The cases deductions opened, driven from their adoption on; outside the pacing. */
  readonly deductionRuns: CaseRun[] = [];
  /** While set, payment files are still being posted: cases may still be adopted, so the driver is not done. */
  adopting = false;
  /** Payment files posted and not yet answered: their deduction cases are opening. */
  paymentFilesInFlight = 0;
  readonly f9: F9Result[] = [];
  /** Unexpected refusals (4xx the script did not expect), with the answer: a clue, not by itself a failure. */
  readonly surprises: string[] = [];
  /** While set, approvals wait: the fault controller releases them all at once (memo issuing under a fault). */
  holdApprovals = false;
  private readonly held = new Set<CaseRun>();
  private active = 0;
  private stopped = false;
  /** Openings sent and not yet answered (an outage can hold them for a while). */
  private opening = 0;
  /**
   * How many cases may be opened so far: the fault schedule raises it fault by fault, so that a fast machine does not
   * open every case before the last faults and leave them nothing in flight.
   */
  openLimit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly http: Http,
    private readonly pool: Pool,
    plans: CasePlan[],
    private readonly actors: Actors,
    private readonly options: DriverOptions,
  ) {
    this.runs = plans.map((plan) => this.runOf(plan));
  }

  private runOf(plan: CasePlan): CaseRun {
    return {
      plan,
      specialist: this.actors.specialists[plan.n % this.actors.specialists.length],
      busy: false,
      nextAt: 0,
      noCreditFallback: false,
      steps: [],
      confirmed: new Map(),
      assigned: false,
      awaited: false,
    };
  }

  /** Every case driven: the driver's own, then those deductions opened. */
  get allRuns(): CaseRun[] {
    return [...this.runs, ...this.deductionRuns];
  }

  /** A case a deduction opened (by system), to be driven by `plan` from now on. */
  adopt(plan: CasePlan, id: string, workflowId: string): void {
    const run = this.runOf(plan);
    Object.assign(run, { id, workflowId, openedAt: Date.now(), nextAt: plan.cancelAt === 'EVIDENCE' ? 0 : Date.now() + this.think() });
    run.steps.push('opened by system');
    this.deductionRuns.push(run);
  }

  /** Deduction cases adopted and not finished. */
  get deductionInFlight(): number {
    return this.deductionRuns.filter((r) => r.finishedAt === undefined).length;
  }

  /** Cases whose opening has its answer (opened, or refused). */
  get openedCount(): number {
    return this.runs.filter((r) => r.id || r.refused).length;
  }
  get inFlight(): number {
    return this.runs.filter((r) => r.id && r.finishedAt === undefined).length;
  }
  get finishedCount(): number {
    return this.runs.filter((r) => r.finishedAt !== undefined).length;
  }
  get heldRuns(): CaseRun[] {
    return [...this.held];
  }
  get allDone(): boolean {
    return !this.adopting && this.allRuns.every((r) => r.finishedAt !== undefined || r.refused);
  }
  stageCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.runs) {
      if (!r.id || r.finishedAt !== undefined || !r.observed) continue;
      counts[r.observed.stage] = (counts[r.observed.stage] ?? 0) + 1;
    }
    return counts;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Releases the held approvals all at once; resolves when every one of them has its answer. */
  async releaseApprovals(): Promise<number> {
    this.holdApprovals = false;
    const batch = [...this.held];
    this.held.clear();
    await Promise.all(batch.map((run) => this.act(run, () => this.approve(run, false))));
    return batch.length;
  }

  private think(): number {
    const [lo, hi] = [200, 2_500];
    return lo + this.options.rand() * (hi - lo);
  }

  // ------------------------------------------------------------ opening

  /**
   * Opens the cases in order, a new one whenever fewer than `inFlightTarget` are open (closed-loop load: a fixed
   * rate would leave a fast machine with an empty engine and flood a slow one).
   */
  async openAll(): Promise<void> {
    for (let i = 0; i < this.runs.length && !this.stopped; i++) {
      const run = this.runs[i];
      // Shared-invoice groups open back to back: all three must be open before their credits use the balance up.
      if (run.plan.kind !== 'shared') {
        while (!this.stopped && (this.inFlight + this.opening >= this.options.inFlightTarget || i >= this.openLimit)) await sleep(50);
      }
      this.opening += 1;
      void this.open(run)
        .catch((err: Error) => {
          run.refused = `opening failed: ${err.message}`;
          this.surprises.push(`case ${run.plan.n}: ${run.refused}`);
        })
        .finally(() => (this.opening -= 1));
      await sleep(20);
    }
  }

  private async open(run: CaseRun): Promise<void> {
    const { plan } = run;
    const reasonCode = plan.kind === 'quantity' ? 'QUANTITY' : 'PRICING';
    const description = `chaos case ${plan.n}`;
    const body = plan.items
      ? { reasonCode, description, items: plan.items.map(({ invoiceNumber, lineNo, disputed }) => ({ invoiceNumber, lineNo, disputedAmount: disputed })) }
      : { invoiceNumber: plan.invoiceNumber, disputedAmount: plan.disputed, reasonCode, description };
    const key = `open-${plan.invoiceNumber}-${plan.n}`;
    const send = () =>
      this.http.send('POST', '/api/disputes', { token: run.specialist.token, body, headers: { 'idempotency-key': key } });
    let answer: Answer;
    if (plan.duplicateOpen === 'concurrent') {
      const [a, b] = await Promise.all([send(), send()]);
      this.checkSameCase('open twice at once, one Idempotency-Key', a, b);
      answer = a.status === 201 ? a : b;
    } else {
      answer = await send();
      if (plan.duplicateOpen === 'sequential' && answer.status === 201) {
        this.checkSameCase('open again with the same Idempotency-Key', answer, await send());
      }
    }
    if (answer.status === 201) {
      run.id = answer.body.id;
      run.workflowId = answer.body.workflowId;
      run.openedAt = Date.now();
      // A cancel in EVIDENCE must be quick: evidence takes the workflow well under a second.
      run.nextAt = plan.cancelAt === 'EVIDENCE' ? 0 : Date.now() + this.think();
      run.steps.push('open');
    } else if (answer.status === 422 && plan.kind === 'shared') {
      run.refused = `opening refused: ${answer.body?.error?.message}`;
    } else {
      run.refused = `opening answered ${answer.status}`;
      this.surprises.push(`case ${plan.n}: POST /api/disputes → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    }
  }

  private checkSameCase(check: string, a: Answer, b: Answer): void {
    if ([a.status, b.status].some((s) => s === 503 || s === 0 || s === 429)) {
      this.f9.push({ check, ok: null, detail: `an outage answered (${a.status}, ${b.status})` });
      return;
    }
    const ok = a.status === 201 && b.status === 201 && a.body.id === b.body.id;
    this.f9.push({ check, ok, detail: ok ? `both 201, case ${a.body.caseNumber}` : `${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}` });
  }

  // ------------------------------------------------------------ watching and acting

  /** Observe → act, until stop() or every case is done. */
  async loop(): Promise<void> {
    while (!this.stopped && !this.allDone) {
      await this.observe().catch(() => undefined); // PostgreSQL down (F5): nothing to see, try again
      const now = Date.now();
      for (const run of this.allRuns) {
        if (!run.id || run.busy || run.finishedAt !== undefined || !run.observed || now < run.nextAt) continue;
        if (this.active >= this.options.concurrency) break;
        const step = this.nextStep(run);
        if (step) void this.act(run, step);
      }
      await sleep(150);
    }
  }

  private async observe(): Promise<void> {
    const open = this.allRuns.filter((r) => r.id && r.finishedAt === undefined);
    if (!open.length) return;
    const { rows } = await this.pool.query(
      `SELECT c.id, c.status, c.stage, c.stage_entered_at::text AS stage_entered_at,
              (extract(epoch FROM c.closed_at) * 1000)::float8 AS closed_ms,
              coalesce((SELECT json_agg(json_build_object(
                                 'id', t.id, 'team', t.team,
                                 'findings', coalesce((SELECT json_agg(json_build_object('id', f.id, 'amount', f.amount_minor::text) ORDER BY f.ordinal)
                                                         FROM current_findings f WHERE f.case_id = c.id AND f.team = t.team), '[]')) ORDER BY t.team)
                          FROM tasks t WHERE t.case_id = c.id AND t.status = 'OPEN'), '[]') AS open_tasks,
              (SELECT count(*)::int FROM resolutions r WHERE r.case_id = c.id) AS resolutions,
              (SELECT count(*)::int FROM approvals a WHERE a.case_id = c.id AND a.decision = 'REJECT') AS rejects,
              (SELECT count(*)::int FROM case_events e WHERE e.case_id = c.id AND e.type = 'CREDIT_MEMO_REFUSED') AS refused,
              c.owner_id::text AS owner_id, c.waiting_on
         FROM cases c WHERE c.id = ANY($1::uuid[])`,
      [open.map((r) => r.id)],
    );
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    const now = Date.now();
    for (const run of open) {
      const row = byId.get(run.id!);
      if (!row) continue;
      const observed: Observed = {
        status: row.status,
        stage: row.stage,
        stageEnteredAt: row.stage_entered_at,
        closedMs: row.closed_ms,
        openTasks: row.open_tasks,
        resolutions: row.resolutions,
        rejects: row.rejects,
        refused: row.refused,
        ownerId: row.owner_id,
        waitingOn: row.waiting_on,
      };
      run.observed = observed;
      if (observed.status !== 'OPEN') {
        run.finishedAt = now;
        this.held.delete(run);
        continue;
      }
      const seen = `${observed.stage}|${observed.stageEnteredAt}|${observed.openTasks.length}|${observed.resolutions}|${observed.waitingOn}`;
      if (seen !== run.seen && !(run.plan.cancelAt === 'EVIDENCE' && observed.stage === 'EVIDENCE')) {
        run.seen = seen;
        run.nextAt = Math.max(run.nextAt, now + this.think());
      }
    }
  }

  private async act(run: CaseRun, step: () => Promise<void>): Promise<void> {
    run.busy = true;
    this.active += 1;
    try {
      await step();
    } catch (err) {
      this.surprises.push(`case ${run.plan.n}: ${(err as Error).message}`);
    } finally {
      this.active -= 1;
      run.busy = false;
      run.nextAt = Math.max(run.nextAt, Date.now() + 300);
    }
  }

  private nextStep(run: CaseRun): (() => Promise<void>) | undefined {
    const o = run.observed!;
    const { plan } = run;
    // Cancel in the scripted stage, or (when the workflow was quicker than the script) in the first one after it.
    if (plan.cancelAt && CANCELLABLE.indexOf(o.stage) >= CANCELLABLE.indexOf(plan.cancelAt)) return () => this.cancel(run);
    const owner = this.actors.specialists.find((s) => s.id === o.ownerId);
    // Waiting on the customer, the case takes its owner's resume and nothing else from the script.
    if (o.waitingOn === 'CUSTOMER') return owner ? () => this.ownerCommand(run, owner, 'resume', {}) : undefined;
    if (plan.n % 6 === 1 && !run.assigned && o.stage === 'INVESTIGATION') return () => this.assign(run, owner);
    if (plan.n % 6 === 4 && !run.awaited && owner && (o.stage === 'RESOLUTION' || o.stage === 'INVESTIGATION')) {
      run.awaited = true;
      return () => this.ownerCommand(run, owner, 'await-customer', { reason: 'chaos: asked the customer for the proof of delivery' });
    }
    switch (o.stage) {
      case 'INVESTIGATION':
        return o.openTasks.length ? () => this.completeTasks(run) : undefined;
      case 'RESOLUTION':
        return () => this.propose(run);
      case 'APPROVAL':
        if (plan.outcome === 'reject-then-approve' && o.rejects === 0) return () => this.decide(run, 'REJECT');
        if (this.holdApprovals) {
          this.held.add(run);
          return undefined;
        }
        if (this.held.has(run)) return undefined;
        return () => this.approve(run, plan.race);
      default:
        return undefined; // EVIDENCE and CREDIT_MEMO belong to the workflow
    }
  }

  private expect(run: CaseRun, what: string, answer: Answer, ok: number[]): boolean {
    if (ok.includes(answer.status)) return true;
    if (answer.status !== 503 && answer.status !== 0 && answer.status !== 429) {
      this.surprises.push(`case ${run.plan.n} (${run.observed?.stage}): ${what} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 240)}`);
    }
    return false;
  }

  private async cancel(run: CaseRun): Promise<void> {
    const by = this.options.rand() < 0.5 ? run.specialist : this.actors.managers[run.plan.n % this.actors.managers.length];
    const answer = await this.http.send('POST', `/api/disputes/${run.id}/cancel`, {
      token: by.token,
      body: { reason: 'chaos: the customer withdrew the dispute' },
      headers: { 'idempotency-key': `cancel-${run.id}` },
    });
    // 409: the workflow moved on (e.g. into CREDIT_MEMO) before the cancel arrived: the case goes on without it.
    if (answer.status === 409) {
      run.plan = { ...run.plan, cancelAt: null };
      return;
    }
    if (this.expect(run, 'cancel', answer, [200])) run.steps.push(`cancel@${run.observed?.stage}`);
  }

  /** A manager hands the case to the next specialist after its owner (or the first, when it has none). */
  private async assign(run: CaseRun, owner: Actor | undefined): Promise<void> {
    run.assigned = true;
    const specialists = this.actors.specialists;
    const next = specialists[(specialists.indexOf(owner ?? specialists[specialists.length - 1]) + 1) % specialists.length];
    const manager = this.actors.managers[run.plan.n % this.actors.managers.length];
    const answer = await this.http.send('POST', `/api/disputes/${run.id}/assign`, {
      token: manager.token,
      body: { userId: next.id },
      headers: { 'idempotency-key': `assign-${run.id}` },
    });
    // 409: the case moved on (closed) before the assignment arrived.
    if (this.expect(run, 'assign', answer, [200, 409]) && answer.status === 200) run.steps.push(`assign to ${next.name}`);
  }

  /** The owner's commands on a customer wait; 409 when the case moved on (it left the stage, or closed) meanwhile. */
  private async ownerCommand(run: CaseRun, owner: Actor, verb: 'await-customer' | 'resume', body: object): Promise<void> {
    const answer = await this.http.send('POST', `/api/disputes/${run.id}/${verb}`, {
      token: owner.token,
      body,
      headers: { 'idempotency-key': `${verb}-${run.id}` },
    });
    if (this.expect(run, verb, answer, [200, 409]) && answer.status === 200) run.steps.push(verb);
  }

  private async completeTasks(run: CaseRun): Promise<void> {
    for (const task of run.observed!.openTasks) {
      const team = this.actors.ops[task.team];
      if (!team?.length) throw new Error(`no ops user for team ${task.team}`);
      const by = team[run.plan.n % team.length];
      // PARTIAL: half of the first finding confirmed (rounded down), the others not named, so they count 0.
      const confirmed = new Map(task.findings.map((f, i) => [f.id, run.plan.partial ? (i === 0 ? BigInt(f.amount) / 2n : 0n) : BigInt(f.amount)]));
      const body = run.plan.partial
        ? { outcome: 'PARTIAL', note: `partly confirmed by ${by.name}`, findings: task.findings.slice(0, 1).map((f) => ({ id: f.id, confirmedAmount: money(confirmed.get(f.id)!) })) }
        : { outcome: 'CONFIRMED', note: `confirmed by ${by.name}`, ...(run.plan.items === null && { amount: run.plan.credit }) };
      const send = () =>
        this.http.send('POST', `/api/tasks/${task.id}/complete`, { token: by.token, body, headers: { 'idempotency-key': `complete-${task.id}` } });
      let answer: Answer;
      if (run.plan.duplicateCommand) {
        const [a, b] = await Promise.all([send(), send()]);
        this.checkSameAnswer('complete a task twice at once, one Idempotency-Key', a, b);
        answer = a.status === 200 ? a : b;
      } else {
        answer = await send();
      }
      if (!this.expect(run, 'complete task', answer, [200])) continue;
      for (const [id, minor] of confirmed) run.confirmed.set(id, minor);
      run.steps.push(`complete ${task.team}${run.plan.partial ? ' (partial)' : ''}`);
    }
  }

  private checkSameAnswer(check: string, a: Answer, b: Answer): void {
    if ([a.status, b.status].some((s) => s === 503 || s === 0 || s === 429)) {
      this.f9.push({ check, ok: null, detail: `an outage answered (${a.status}, ${b.status})` });
      return;
    }
    const ok = a.status === 200 && b.status === 200 && JSON.stringify(a.body) === JSON.stringify(b.body);
    this.f9.push({ check, ok, detail: ok ? 'both 200, same answer' : `${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}` });
  }

  private async propose(run: CaseRun): Promise<void> {
    const o = run.observed!;
    const noCredit = run.plan.outcome === 'no-credit' || run.noCreditFallback || o.refused > 0;
    const { adjustments } = run.plan;
    const body = noCredit
      ? { type: 'NO_CREDIT', rootCause: 'CUSTOMER_ERROR' }
      : adjustments
        ? { type: 'ADJUST', adjustments, rootCause: 'PRICING_SETUP', note: `round ${o.resolutions + 1}` }
        : { type: 'CREDIT', amount: run.plan.credit, rootCause: 'PRICING_SETUP', note: `round ${o.resolutions + 1}` };
    const answer = await this.http.send('POST', `/api/disputes/${run.id}/resolution`, {
      token: run.specialist.token,
      body,
      headers: { 'idempotency-key': `resolve-${run.id}-${o.resolutions}` },
    });
    if (answer.status === 422 && run.plan.kind === 'shared') {
      run.noCreditFallback = true; // the shared invoice's balance went to the other cases
      run.steps.push('credit refused (open balance)');
      return;
    }
    if (this.expect(run, 'propose', answer, [200])) run.steps.push(noCredit ? 'no-credit' : adjustments ? `propose ${adjustments.map((a) => a.kind).join('+')}` : 'propose credit');
  }

  private managersFor(run: CaseRun): [Actor, Actor] {
    const m = this.actors.managers;
    const first = (run.plan.n + run.observed!.resolutions) % m.length;
    return [m[first], m[(first + 1) % m.length]];
  }

  private decision(run: CaseRun, manager: Actor, decision: 'APPROVE' | 'REJECT') {
    return this.http.send('POST', `/api/disputes/${run.id}/decision`, {
      token: manager.token,
      body: { decision, comment: `chaos ${decision.toLowerCase()}` },
      headers: { 'idempotency-key': `decide-${run.id}-${run.observed!.resolutions}-${manager.id}` },
    });
  }

  private async decide(run: CaseRun, decision: 'APPROVE' | 'REJECT'): Promise<void> {
    const [manager] = this.managersFor(run);
    if (this.expect(run, decision, await this.decision(run, manager, decision), [200])) run.steps.push(decision.toLowerCase());
  }

  private async approve(run: CaseRun, race: boolean): Promise<void> {
    const [m1, m2] = this.managersFor(run);
    if (!race) {
      const answer = await this.decision(run, m1, 'APPROVE');
      if (!this.expect(run, 'approve', answer, [200])) return;
      run.steps.push('approve');
      if (run.plan.duplicateCommand) {
        // The same decision again with the same key: the first answer, not a second approval (nor a 409).
        this.checkSameAnswer('approve again with the same Idempotency-Key', answer, await this.decision(run, m1, 'APPROVE'));
      }
      return;
    }
    const [a, b] = await Promise.all([this.decision(run, m1, 'APPROVE'), this.decision(run, m2, 'APPROVE')]);
    const statuses = [a.status, b.status].sort().join(',');
    if ([a.status, b.status].some((s) => s === 503 || s === 0 || s === 429)) {
      this.f9.push({ check: 'two managers approve at once', ok: null, detail: `an outage answered (${a.status}, ${b.status})` });
    } else {
      const ok = statuses === '200,409';
      this.f9.push({ check: 'two managers approve at once', ok, detail: ok ? 'one 200, one 409' : `${a.status} ${JSON.stringify(a.body)} / ${b.status} ${JSON.stringify(b.body)}` });
    }
    if (a.status === 200 || b.status === 200) run.steps.push('approve (race)');
  }
}
