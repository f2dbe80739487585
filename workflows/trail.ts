// Writes a case's events to the read model in the workflow's order. Each event is numbered when it happens
// (synchronously, inside the transition), and writes run one after another, so the trail and the projections
// built from it never see a later change before an earlier one, even when several updates arrive at once.
import type { CaseEvent, RecordedEvent } from '../domain/events';
import { storableCopy } from '../domain/text';

export interface TrailSlot {
  seq: number;
  at: string;
}

type WriteEvents = (input: { caseId: string; events: RecordedEvent[] }) => Promise<void>;

export class Trail {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * `unstorable` tells a write the database refused for good because of what its events hold (text it cannot
   * store as sent) from one that may succeed later: see inOrder.
   */
  constructor(
    private readonly caseId: string,
    private readonly writeEvents: WriteEvents,
    private lastSeq = 0,
    private readonly unstorable: (err: unknown) => boolean = () => false,
  ) {}

  get seq(): number {
    return this.lastSeq;
  }

  /** Numbers the events now and writes them after everything recorded before. */
  record(events: CaseEvent[]): Promise<void> {
    const recorded = events.map((event): RecordedEvent => ({ ...event, ...this.reserve() }));
    return this.inOrder(recorded, () => (recorded.length ? this.writeEvents({ caseId: this.caseId, events: recorded }) : Promise.resolve()));
  }

  /** Writes one event at a slot reserved earlier (used when the side effect that owned the slot was refused). */
  recordAt(slot: TrailSlot, event: CaseEvent): Promise<void> {
    const recorded = [{ ...event, ...slot } as RecordedEvent];
    return this.inOrder(recorded, () => this.writeEvents({ caseId: this.caseId, events: recorded }));
  }

  /**
   * Runs an activity whose side effect writes its own event (at the reserved slot) in the same database
   * transaction, e.g. the credit memo and its CREDIT_MEMO_ISSUED event.
   */
  recordWith<T>(sideEffect: (slot: TrailSlot) => Promise<T>): { slot: TrailSlot; done: Promise<T> } {
    const slot = this.reserve();
    return { slot, done: this.inOrder([], () => sideEffect(slot)) };
  }

  private reserve(): TrailSlot {
    this.lastSeq += 1;
    return { seq: this.lastSeq, at: new Date().toISOString() };
  }

  /**
   * Runs `write` after every write before it. When the database refused its `events` for good, they are written
   * again before anything after them, in their own slots, each NUL and unpaired surrogate replaced by U+FFFD: the
   * trail keeps no gap, the read model follows the state, and no later change lands first. The caller still gets
   * the failure, to park the case. (Should even that write fail, the slots stay empty: the case still parks, and
   * the trail's numbering shows the gap.) The repair hangs on the chain, not on the caller's promise, so a write
   * that succeeds resolves exactly as it always did: the order of a workflow task's commands depends on it.
   */
  private inOrder<T>(events: RecordedEvent[], write: () => Promise<T>): Promise<T> {
    const run = this.tail.then(write);
    this.tail = run.catch((err: unknown) =>
      events.length && this.unstorable(err)
        ? this.writeEvents({ caseId: this.caseId, events: storableCopy(events) }).catch(() => undefined)
        : undefined,
    );
    return run;
  }
}
