// Writes a case's events to the read model in the workflow's order. Each event is numbered when it happens
// (synchronously, inside the transition), and writes run one after another, so the trail and the projections
// built from it never see a later change before an earlier one, even when several updates arrive at once.
import type { CaseEvent, RecordedEvent } from '../domain/events';

export interface TrailSlot {
  seq: number;
  at: string;
}

type WriteEvents = (input: { caseId: string; events: RecordedEvent[] }) => Promise<void>;

export class Trail {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly caseId: string,
    private readonly writeEvents: WriteEvents,
    private lastSeq = 0,
  ) {}

  get seq(): number {
    return this.lastSeq;
  }

  /** Numbers the events now and writes them after everything recorded before. */
  record(events: CaseEvent[]): Promise<void> {
    const recorded = events.map((event): RecordedEvent => ({ ...event, ...this.reserve() }));
    return this.inOrder(() => (recorded.length ? this.writeEvents({ caseId: this.caseId, events: recorded }) : Promise.resolve()));
  }

  /** Writes one event at a slot reserved earlier (used when the side effect that owned the slot was refused). */
  recordAt(slot: TrailSlot, event: CaseEvent): Promise<void> {
    return this.inOrder(() => this.writeEvents({ caseId: this.caseId, events: [{ ...event, ...slot } as RecordedEvent] }));
  }

  /**
   * Runs an activity whose side effect writes its own event (at the reserved slot) in the same database
   * transaction, e.g. the credit memo and its CREDIT_MEMO_ISSUED event.
   */
  recordWith<T>(sideEffect: (slot: TrailSlot) => Promise<T>): { slot: TrailSlot; done: Promise<T> } {
    const slot = this.reserve();
    return { slot, done: this.inOrder(() => sideEffect(slot)) };
  }

  private reserve(): TrailSlot {
    this.lastSeq += 1;
    return { seq: this.lastSeq, at: new Date().toISOString() };
  }

  private inOrder<T>(write: () => Promise<T>): Promise<T> {
    const run = this.tail.then(write);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
