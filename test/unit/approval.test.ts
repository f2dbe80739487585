import { approvalRefusal } from '../../domain/approval';
import type { CommandActor } from '../../domain/messages';

const manager = (approvalLimit: string | null, id = 'mgr'): CommandActor => ({ id, name: 'M', role: 'manager', team: null, approvalLimit });
const proposal = (amount: string) => ({ proposedBy: 'spec', amount });

describe('approvalRefusal', () => {
  it('lets a manager approve up to and including the limit', () => {
    expect(approvalRefusal(manager('500.00'), proposal('500.00'))).toBeNull();
    expect(approvalRefusal(manager('500.00'), proposal('0.01'))).toBeNull();
  });

  it('refuses one cent over the limit, naming the limit', () => {
    expect(approvalRefusal(manager('500.00'), proposal('500.01'))).toMatch(/over your approval limit of 500.00/);
  });

  it('has no ceiling for a manager without a limit', () => {
    expect(approvalRefusal(manager(null), proposal('99999999.99'))).toBeNull();
  });

  it('treats a zero limit as no authority to approve money', () => {
    expect(approvalRefusal(manager('0.00'), proposal('0.01'))).not.toBeNull();
  });

  it('refuses the proposer and every role but manager', () => {
    expect(approvalRefusal(manager(null, 'spec'), proposal('1.00'))).toMatch(/proposer/);
    for (const role of ['admin', 'specialist', 'ops', 'auditor'] as const) {
      expect(approvalRefusal({ ...manager(null), role }, proposal('1.00'))).toMatch(/only a manager/);
    }
  });
});
