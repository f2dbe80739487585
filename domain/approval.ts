// Who may approve a credit: a manager, not the person who proposed it, within their approval limit.
import type { CommandActor } from './messages';
import { parseMoney } from './money';
import type { MoneyString } from './types';

export interface ProposalForApproval {
  proposedBy: string;
  amount: MoneyString;
}

/** Why this actor may not approve this proposal, or null when they may. */
export function approvalRefusal(approver: CommandActor, proposal: ProposalForApproval): string | null {
  if (approver.role !== 'manager') return 'only a manager can decide on a resolution';
  if (approver.id === proposal.proposedBy) return 'the proposer of a resolution cannot decide on it';
  if (approver.approvalLimit !== null && parseMoney(proposal.amount) > parseMoney(approver.approvalLimit)) {
    return `the amount ${proposal.amount} is over your approval limit of ${approver.approvalLimit}`;
  }
  return null;
}
