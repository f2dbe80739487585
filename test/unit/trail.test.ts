import type { CaseEvent, RecordedEvent } from '../../domain/events';
import { Trail } from '../../workflows/trail';

const cancelled = (reason: string): CaseEvent => ({ type: 'CASE_CANCELLED', actor: { id: 'u1', name: 'Sam' }, data: { reason } });
const entered: CaseEvent = { type: 'STAGE_ENTERED', actor: { id: 'system', name: 'system' }, data: { stage: 'DONE' } };

class Refused extends Error {}

/** A database that refuses events holding "\ud800" for good, and keeps what it takes in order. */
function database(transient = false) {
  const written: RecordedEvent[][] = [];
  const write = async (input: { caseId: string; events: RecordedEvent[] }) => {
    await Promise.resolve();
    if (JSON.stringify(input.events).includes('\\ud800')) throw transient ? new Error('connection reset') : new Refused('22P02');
    written.push(input.events);
  };
  return { written, write };
}

describe('Trail', () => {
  it('writes an event the database refuses for good again in its own slots, text replaced, before anything after it', async () => {
    const db = database();
    const trail = new Trail('case-1', db.write, 0, (err) => err instanceof Refused);
    const first = trail.record([cancelled('x\ud800y'), entered]);
    const second = trail.record([cancelled('fine')]);
    await expect(first).rejects.toBeInstanceOf(Refused);
    await second;
    expect(db.written.map((batch) => batch.map((e) => [e.seq, e.type, 'reason' in e.data ? e.data.reason : null]))).toEqual([
      [
        [1, 'CASE_CANCELLED', 'x\ufffdy'],
        [2, 'STAGE_ENTERED', null],
      ],
      [[3, 'CASE_CANCELLED', 'fine']],
    ]);
    expect(trail.seq).toBe(3);
  });

  it('writes nothing again for a failure that may pass (it is retried, or fails the caller), and goes on', async () => {
    const db = database(true);
    const trail = new Trail('case-1', db.write, 0, (err) => err instanceof Refused);
    await expect(trail.record([cancelled('x\ud800y')])).rejects.toThrow('connection reset');
    await trail.record([cancelled('next')]);
    expect(db.written.map((batch) => batch.map((e) => e.seq))).toEqual([[2]]);
  });

  it('without a way to tell, repairs nothing (runs from before parking existed)', async () => {
    const db = database();
    const trail = new Trail('case-1', db.write);
    await expect(trail.recordAt({ seq: 7, at: '2026-01-01T00:00:00.000Z' }, cancelled('\ud800'))).rejects.toBeInstanceOf(Refused);
    await trail.record([entered]);
    expect(db.written.map((batch) => batch.map((e) => e.seq))).toEqual([[1]]);
  });
});
