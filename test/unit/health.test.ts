// /health's shared probe: one answer serves every request for a while, but an "ok" is dropped the moment a request
// (or a lost connection) finds PostgreSQL or Temporal down, and an "ok" probed before that is not kept; an
// "unavailable" stays until it expires, so a flood of failures still costs one probe at a time.
import { sharedHealthCheck, type Health } from '../../api/health';

const OK: Health = { status: 'ok', postgres: 'ok', temporal: 'ok' };
const DOWN: Health = { status: 'unavailable', postgres: 'unavailable', temporal: 'ok' };

/** A check answering each probe with the next of `answers` (the last one over again), counting the probes. */
function probes(...answers: Health[]) {
  const calls = { count: 0 };
  const check = () => Promise.resolve(answers[Math.min(calls.count++, answers.length - 1)]);
  return { check, calls };
}

it('serves a cached "ok" until a dependency fails, then probes again at once', async () => {
  const { check, calls } = probes(OK, DOWN);
  const health = sharedHealthCheck(check, 60_000);
  expect(await health()).toEqual(OK);
  expect(await health()).toEqual(OK);
  expect(calls.count).toBe(1);
  health.dependencyFailed();
  expect(await health()).toEqual(DOWN);
  expect(calls.count).toBe(2);
});

it('keeps a cached "unavailable" through further failures', async () => {
  const { check, calls } = probes(DOWN, OK);
  const health = sharedHealthCheck(check, 60_000);
  expect(await health()).toEqual(DOWN);
  health.dependencyFailed();
  health.dependencyFailed();
  expect(await health()).toEqual(DOWN);
  expect(calls.count).toBe(1);
});

it('answers an "ok" a failure overtook to those who waited for it, and keeps it for nobody else', async () => {
  let answer!: (h: Health) => void;
  let count = 0;
  const health = sharedHealthCheck(() => {
    count += 1;
    return count === 1 ? new Promise<Health>((resolve) => (answer = resolve)) : Promise.resolve(DOWN);
  }, 60_000);
  const waiting = [health(), health()];
  health.dependencyFailed();
  answer(OK);
  expect(await Promise.all(waiting)).toEqual([OK, OK]);
  expect(await health()).toEqual(DOWN);
  expect(count).toBe(2);
});
