// R2 human-action path: completing a task and deciding on a resolution through the HTTP API (createApp in this
// process on a port: token lookup, role check, zod, the case and task lookups, the Workflow Update) against the
// same Workflow Updates sent directly with the client. One request at a time, and nothing of an earlier case still
// running in the worker, so each latency is the path alone.
import { completeTaskUpdate, decideUpdate } from '../domain/messages';
import { actorOf, type OpenCase } from './cases';
import { compare, interleave, median, p95, progress, runPool, startApi, type BenchContext, type SectionResult } from './support';

type Path = 'http' | 'client';

interface PathFigures {
  complete: number[];
  decide: number[];
}

async function post(url: string, token: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text}`);
}

export async function runR2(ctx: BenchContext): Promise<SectionResult> {
  const perRound = Number(process.env.BENCH_R2_CASES ?? (ctx.full ? 100 : 20));
  const api = await startApi(ctx);
  const { driver } = ctx;
  const { salesOps, manager } = driver.actors;

  const timed = async (work: () => Promise<void>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };

  const batch = async (path: Path): Promise<PathFigures> => {
    // Untimed: open the cases and wait until each has its task.
    const prepared = await runPool(Array.from({ length: perRound }), 4, () => driver.prepare('dispute'));
    const cases = await runPool(prepared, 10, async (p) => {
      const c = await driver.start(p, ctx.queues.dispute);
      return { c, taskId: await driver.waitForTask(c) };
    });
    const complete = (c: OpenCase, taskId: string) =>
      path === 'http'
        ? post(`${api.url}/api/tasks/${taskId}/complete`, salesOps.token, { outcome: 'CONFIRMED', note: 'contract says 90.00' })
        : c.handle.executeUpdate(completeTaskUpdate, {
            args: [{ actor: actorOf(salesOps), taskId, outcome: 'CONFIRMED', note: 'contract says 90.00', amount: null }],
          }).then(() => undefined);
    const decide = (c: OpenCase) =>
      path === 'http'
        ? post(`${api.url}/api/disputes/${c.caseId}/decision`, manager.token, { decision: 'APPROVE' })
        : c.handle.executeUpdate(decideUpdate, { args: [{ actor: actorOf(manager), decision: 'APPROVE', comment: null }] }).then(() => undefined);

    const completeMs: number[] = [];
    for (const { c, taskId } of cases) completeMs.push(await timed(() => complete(c, taskId)));
    await runPool(cases, 10, ({ c }) => driver.propose(c));
    const decideMs: number[] = [];
    for (const { c } of cases) {
      decideMs.push(await timed(() => decide(c)));
      // The memo is issued after the decision has answered: the next decision is timed once it is done, not
      // while it runs.
      await driver.result(c);
    }
    return { complete: completeMs, decide: decideMs };
  };

  progress(`R2: ${perRound} completions and ${perRound} decisions per round and path, one at a time`);
  const rounds = await interleave(ctx.rounds, () => batch('http'), () => batch('client'), 'R2');
  await api.close();
  const per = (f: (p: PathFigures) => number[], stat: (v: number[]) => number) => rounds.map((r) => ({ a: stat(f(r.a)), b: stat(f(r.b)) }));
  const goal = { text: '≤ 1.3× and ≤ +15 ms', maxRatio: 1.3, maxDelta: 15 };
  const kept = rounds.slice(1);
  const p50 = (f: (p: PathFigures) => number[], side: 'a' | 'b') => median(kept.map((r) => median(f(r[side])))).toFixed(1);
  return {
    id: 'R2',
    title: 'human-action path',
    comparisons: [
      compare('R2', 'complete task p95', 'ms', per((p) => p.complete, p95), goal),
      compare('R2', 'decision p95', 'ms', per((p) => p.decide, p95), goal),
    ],
    info: [
      `R2: ${perRound} requests of each kind per round and path, sequential; p50 complete A ${p50((p) => p.complete, 'a')} ms / B ${p50((p) => p.complete, 'b')} ms, ` +
        `decision A ${p50((p) => p.decide, 'a')} ms / B ${p50((p) => p.decide, 'b')} ms (rate limit on, request log at info to /dev/null)`,
    ],
    raw: rounds.map((r) => ({ http: r.a, client: r.b })),
  };
}
