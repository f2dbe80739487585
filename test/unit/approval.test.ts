import { appliedLimit, approvalRefusal, covers, limitIn } from '../../domain/approval';
import type { CommandActor, OnBehalfOf } from '../../domain/messages';

const manager = (approvalLimit: string | null, id = 'mgr', approvalLimits?: Record<string, string>): CommandActor => ({
  id,
  name: 'M',
  role: 'manager',
  team: null,
  approvalLimit,
  ...(approvalLimits ? { approvalLimits } : {}),
});
const proposal = (amount: string) => ({ proposedBy: 'spec', amount });
const approve = (approver: CommandActor, amount: string, currency = 'USD') => approvalRefusal(approver, proposal(amount), currency, 'APPROVE');

describe('approvalRefusal', () => {
  it('lets a manager approve up to and including the limit', () => {
    expect(approve(manager('500.00'), '500.00')).toBeNull();
    expect(approve(manager('500.00'), '0.01')).toBeNull();
  });

  it('refuses one cent over the limit, naming the limit', () => {
    expect(approve(manager('500.00'), '500.01')).toMatch(/over your approval limit of 500.00/);
  });

  it('has no ceiling for a manager without a limit', () => {
    expect(approve(manager(null), '99999999.99')).toBeNull();
    expect(approve(manager(null, 'mgr', {}), '99999999.99', 'JPY')).toBeNull();
  });

  it('treats a zero limit as no authority to approve money', () => {
    expect(approve(manager('0.00'), '0.01')).not.toBeNull();
  });

  it('refuses the proposer and every role but manager', () => {
    expect(approve(manager(null, 'spec'), '1.00')).toMatch(/proposer/);
    for (const role of ['admin', 'specialist', 'ops', 'auditor'] as const) {
      expect(approve({ ...manager(null), role }, '1.00')).toMatch(/only a manager/);
    }
  });

  it("holds a manager with limits per currency to the case's currency, and refuses a currency without one", () => {
    const m = manager('5000.00', 'mgr', { USD: '5000.00', EUR: '4000.00' });
    expect(approve(m, '4000.00', 'EUR')).toBeNull();
    expect(approve(m, '4000.01', 'EUR')).toMatch(/over your approval limit of 4000.00 EUR/);
    expect(approve(m, '1.00', 'JPY')).toMatch(/none in JPY/);
    // Limits only in another currency than the base one: none in the base currency.
    expect(approve(manager(null, 'mgr', { EUR: '10.00' }), '1.00', 'USD')).toMatch(/none in USD/);
  });

  it('lets a manager over the limit reject', () => {
    expect(approvalRefusal(manager('10.00'), proposal('500.00'), 'USD', 'REJECT')).toBeNull();
    expect(approvalRefusal(manager('10.00', 'mgr', { USD: '10.00' }), proposal('500.00'), 'JPY', 'REJECT')).toBeNull();
    expect(approvalRefusal(manager('10.00', 'spec'), proposal('5.00'), 'USD', 'REJECT')).toMatch(/proposer/);
  });

  it('holds a delegate to the absent manager: both names, the window and their limit', () => {
    const absent = (id: string, limits: Record<string, string>): OnBehalfOf => ({
      id,
      name: 'Absent',
      approvalLimit: limits.USD ?? null,
      approvalLimits: limits,
      delegation: { id: 'd1', from: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z' },
    });
    const delegate = manager('10.00', 'mgr', { USD: '10.00' });
    const during = '2026-01-02T00:00:00.000Z';
    const decide = (onBehalfOf: OnBehalfOf, amount: string, now = during) => approvalRefusal(delegate, proposal(amount), 'USD', 'APPROVE', onBehalfOf, now);
    expect(decide(absent('boss', { USD: '900.00' }), '900.00')).toBeNull();
    expect(decide(absent('boss', { USD: '900.00' }), '900.01')).toMatch(/over Absent's approval limit of 900.00 USD/);
    expect(decide(absent('spec', { USD: '900.00' }), '5.00')).toMatch(/Absent proposed this resolution/);
    expect(decide(absent('boss', { USD: '900.00' }), '5.00', '2025-12-31T23:59:59.999Z')).toMatch(/runs from/);
    expect(decide(absent('boss', { USD: '900.00' }), '5.00', '2026-01-08T00:00:00.000Z')).toMatch(/ended at/);
    expect(approvalRefusal({ ...delegate, id: 'spec' }, proposal('5.00'), 'USD', 'APPROVE', absent('boss', { USD: '900.00' }), during)).toMatch(/proposer/);
    expect(appliedLimit(delegate, absent('boss', { USD: '900.00' }), 'USD')).toBe('900.00');
    expect(appliedLimit(delegate, null, 'USD')).toBe('10.00');
  });
});

describe('limitIn and covers', () => {
  it('reads the one limit of a command from before limits per currency in every currency', () => {
    expect(limitIn(manager('50.00'), 'JPY')).toBe('50.00');
    expect(covers(manager(null), '1.00', 'JPY')).toBe(true);
    expect(limitIn(manager('50.00', 'mgr', { USD: '50.00' }), 'JPY')).toBeUndefined();
    expect(covers(manager('50.00', 'mgr', { USD: '50.00' }), '50.00', 'USD')).toBe(true);
    expect(covers(manager('50.00', 'mgr', { USD: '50.00' }), '50.01', 'USD')).toBe(false);
  });
});
