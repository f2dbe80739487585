import type { CommandActor } from '../../domain/messages';
import { SYSTEM_ACTOR } from '../../domain/events';
import { DisputeState } from '../../workflows/dispute-state';
import { inInvestigation, refusalType, T0 } from '../support/dispute-state';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse(T0) + hours * HOUR).toISOString();
const owner: CommandActor = { id: 'u-owner', name: 'Ola', role: 'specialist', team: null, approvalLimit: null };
const other: CommandActor = { id: 'u-other', name: 'Oto', role: 'specialist', team: null, approvalLimit: null };
const manager: CommandActor = { id: 'u-mgr', name: 'Mia', role: 'manager', team: null, approvalLimit: null };

describe('owners and customer waits in the state', () => {
  it('assigns for a manager or the owner, and an assignment to the owner changes nothing', () => {
    const s = inInvestigation(owner.id);
    expect(refusalType(() => s.checkAssign({ actor: other, owner: other }))).toBe('Forbidden');
    expect(s.assign({ actor: owner, owner })).toEqual([]);
    expect(s.assign({ actor: owner, owner: other })).toEqual([
      { type: 'CASE_ASSIGNED', actor: { id: owner.id, name: owner.name }, data: { ownerId: other.id, ownerName: other.name, previousOwnerId: owner.id } },
    ]);
    expect(refusalType(() => s.checkAssign({ actor: owner, owner }))).toBe('Forbidden');
    expect(s.assign({ actor: manager, owner })).toHaveLength(1);
    expect(s.ownerId).toBe(owner.id);
  });

  it("moves the open tasks' due times and the stage's SLA by the time the customer held them", () => {
    const s = inInvestigation(owner.id);
    expect(refusalType(() => s.checkAwaitCustomer({ actor: other, reason: 'r', until: null }))).toBe('Forbidden');
    expect(refusalType(() => s.checkResume({ actor: owner }))).toBe('Conflict');
    s.awaitCustomer({ actor: owner, reason: 'asked', until: null }, at(10));
    expect(s.isWaitingOnCustomer).toBe(true);
    expect(refusalType(() => s.checkAwaitCustomer({ actor: owner, reason: 'again', until: null }))).toBe('Conflict');
    expect(refusalType(() => s.checkResume({ actor: other }))).toBe('Forbidden');
    const [ended] = s.resume({ actor: owner }, at(40));
    expect(ended).toEqual({
      type: 'CUSTOMER_WAIT_ENDED',
      actor: { id: owner.id, name: owner.name },
      data: { pausedHours: 30, dueAts: [{ taskId: 't1', dueAt: at(78) }] },
    });
    expect(s.stagePausedMs).toBe(30 * HOUR);
    expect(s.isWaitingOnCustomer).toBe(false);
  });

  it('counts for a stage entered during the wait only the time since it was entered; the system ends a wait once', () => {
    const s = inInvestigation(owner.id);
    s.awaitCustomer({ actor: owner, reason: 'asked', until: at(20) }, at(0));
    s.completeTask({ actor: { id: 'u-so', name: 'Sol', role: 'ops', team: 'SALES_OPS', approvalLimit: null }, taskId: 't1', outcome: 'CONFIRMED', note: 'ok', amount: null }, at(5));
    expect(s.stage).toBe('RESOLUTION');
    expect(s.endCustomerWait(SYSTEM_ACTOR, at(20))).toEqual([
      { type: 'CUSTOMER_WAIT_ENDED', actor: SYSTEM_ACTOR, data: { pausedHours: 20, dueAts: [] } },
    ]);
    expect(s.stagePausedMs).toBe(15 * HOUR);
    expect(s.endCustomerWait(SYSTEM_ACTOR, at(21))).toEqual([]);
  });

  it('refuses a wait on a parked case or outside the stages with a clock', () => {
    const parked = inInvestigation(owner.id);
    parked.park('unstorable');
    expect(refusalType(() => parked.checkAwaitCustomer({ actor: owner, reason: 'r', until: null }))).toBe('Conflict');
    const evidence = DisputeState.opened('case-2', '10.00', T0);
    evidence.data.ownerId = owner.id;
    expect(refusalType(() => evidence.checkAwaitCustomer({ actor: owner, reason: 'r', until: null }))).toBe('Conflict');
  });
});
