// Who may decide on a credit: a manager, not the person who proposed it; approving binds them to their limit in the
// case's currency (rejecting does not: a manager over the limit may still send a proposal back).
import type { CommandActor, OnBehalfOf } from './messages';
import { parseMoney } from './money';
import type { Decision, MoneyString } from './types';

export interface ProposalForApproval {
  proposedBy: string;
  amount: MoneyString;
}

/** Whose limits an approval is held against: the approver's own, or an absent manager's they decide for. */
export type Authority = Pick<CommandActor, 'approvalLimit' | 'approvalLimits'>;

/** A manager's limit in one currency: a ceiling, `null` for none (any amount), `undefined` for no authority there. */
export function limitIn(authority: Authority, currency: string): MoneyString | null | undefined {
  // A command from before limits per currency: its one limit held in every currency.
  if (!authority.approvalLimits) return authority.approvalLimit;
  // v1's unlimited manager: no limit anywhere.
  if (authority.approvalLimit === null && Object.keys(authority.approvalLimits).length === 0) return null;
  return authority.approvalLimits[currency];
}

/** Whether `authority` may approve `amount` in `currency`. */
export function covers(authority: Authority, amount: MoneyString, currency: string): boolean {
  const limit = limitIn(authority, currency);
  return limit === null || (limit !== undefined && parseMoney(amount) <= parseMoney(limit));
}

/** Why `authority` (the approver's own when theirs, `whose` names it in the answer) may not approve, or null. */
export function limitRefusal(authority: Authority, amount: MoneyString, currency: string, whose = 'your'): string | null {
  const limit = limitIn(authority, currency);
  if (limit === undefined) return `${whose} approval limits have none in ${currency}, the case's currency`;
  if (limit !== null && parseMoney(amount) > parseMoney(limit)) {
    return `the amount ${amount} is over ${whose} approval limit of ${limit} ${currency}`;
  }
  return null;
}

/**
 * Why this actor may not make this decision on this proposal in the case's currency, or null when they may. Deciding
 * for an absent manager (`onBehalfOf`), segregation of duties binds both names, the delegation must run at `now`, and
 * an approval is held against the absent manager's limit instead of the actor's.
 */
export function approvalRefusal(
  approver: CommandActor,
  proposal: ProposalForApproval,
  currency: string,
  decision: Decision,
  onBehalfOf: OnBehalfOf | null = null,
  now?: string,
): string | null {
  if (approver.role !== 'manager') return 'only a manager can decide on a resolution';
  if (approver.id === proposal.proposedBy) return 'the proposer of a resolution cannot decide on it';
  if (!onBehalfOf) return decision === 'APPROVE' ? limitRefusal(approver, proposal.amount, currency) : null;
  if (onBehalfOf.id === proposal.proposedBy) return `${onBehalfOf.name} proposed this resolution: nobody decides on it on their behalf`;
  if (onBehalfOf.id === approver.id) return 'a manager decides on their own behalf without a delegation';
  const at = Date.parse(now ?? '');
  const { from, until } = onBehalfOf.delegation;
  if (!(at >= Date.parse(from))) return `the delegation from ${onBehalfOf.name} runs from ${from}`;
  if (!(at < Date.parse(until))) return `the delegation from ${onBehalfOf.name} ended at ${until}`;
  return decision === 'APPROVE' ? limitRefusal(onBehalfOf, proposal.amount, currency, `${onBehalfOf.name}'s`) : null;
}

/** The limit a decision is made under in the case's currency, as recorded with it (null: none, or no authority there). */
export function appliedLimit(approver: Authority, onBehalfOf: OnBehalfOf | null, currency: string): MoneyString | null {
  return limitIn(onBehalfOf ?? approver, currency) ?? null;
}
