// The manager's decision on a proposal, withheld where the server would refuse it (own proposal, over the limit).
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../../lib/api';
import { CASE_KEYS, useCommand } from '../../lib/commands';
import { parseMoney } from '../../../../domain/money';
import { showMoney } from '../../lib/money';
import type { Authority, DisputeDetail, Resolution, User as Me } from '../../../../contract';
import { ErrorMessage, Field, Notice, fieldError } from '../common';

/** Why this manager cannot decide on this proposal at all (approve nor reject), or null. Mirrors domain/approval.ts. */
export function decisionBlock(me: Me, resolution: Resolution | null | undefined): string | null {
  if (me.role !== 'manager') return 'Only a manager can decide on a resolution.';
  if (!resolution) return 'There is no proposal to decide on.';
  if (resolution.proposedBy && resolution.proposedBy.id === me.id) return 'You proposed this resolution: another manager must decide on it.';
  return null;
}

/**
 * Why this manager cannot approve it, or null: a limit binds approvals only (over it, a manager may still reject).
 * The server says under which authority and limit the manager would approve it (`yourAuthority`, in the case's
 * currency); without it the manager's own limit is held, as before limits per currency.
 */
export function approvalBlock(me: Me, resolution: Resolution | null | undefined, currency = 'USD', authority?: Authority | null): string | null {
  const blocked = decisionBlock(me, resolution);
  if (blocked || !resolution) return blocked;
  if (authority) {
    if (!authority.refusal) return null;
    return authority.limit !== null && resolution.amount !== null
      ? `The credit of ${showMoney(resolution.amount, currency)} is over your approval limit of ${showMoney(authority.limit, currency)}: a manager with a higher limit must approve it.`
      : `You have no approval limit in ${currency}: a manager with one must approve it.`;
  }
  if (me.approvalLimit !== null && resolution.amount !== null && parseMoney(resolution.amount) > parseMoney(me.approvalLimit)) {
    return `The credit of ${showMoney(resolution.amount, currency)} is over your approval limit of ${showMoney(me.approvalLimit, currency)}: a manager with a higher limit must approve it.`;
  }
  return null;
}

/**
 * What a decision needs of its case: a list item with its proposal will do, as the case does. The evidence hash is
 * that of the page the manager decides on: the case's, or that of the case's findings and evidence read on demand.
 */
type Decidable = Pick<DisputeDetail, 'id' | 'caseNumber' | 'currency' | 'resolution'> & {
  evidenceHash?: string | null;
  yourAuthority?: Authority | null;
};

/** The server's refusal of a decision on evidence refreshed since the page showed it. */
export function isStaleEvidence(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && /evidence changed/.test(error.message);
}

export function DecisionForm({ dispute, me, onDone }: { dispute: Decidable; me: Me; onDone(message: string): void }) {
  const [comment, setComment] = useState('');
  const { error, busy, run } = useCommand();
  const client = useQueryClient();
  const blocked = decisionBlock(me, dispute.resolution);
  const approveBlocked = approvalBlock(me, dispute.resolution, dispute.currency, dispute.yourAuthority);
  const onBehalfOf = dispute.yourAuthority?.onBehalfOf ?? null;

  function decide(decision: 'APPROVE' | 'REJECT') {
    const evidenceHash = dispute.evidenceHash ?? client.getQueryData<DisputeDetail>(['dispute', dispute.id])?.evidenceHash ?? undefined;
    run(
      async (key) => {
        try {
          return await api.decide(dispute.id, { decision, comment: comment.trim() || undefined, evidenceHash }, key);
        } catch (err) {
          // The case on screen is out of date: read it again, so the next decision is on what it holds now.
          if (isStaleEvidence(err)) for (const queryKey of CASE_KEYS) void client.invalidateQueries({ queryKey });
          throw err;
        }
      },
      () => onDone(decision === 'APPROVE' ? 'Approved: the credit memo is being issued.' : 'Rejected: the case is back with the specialist.'),
    );
  }

  return (
    <form onSubmit={(e) => e.preventDefault()} className="form-grid" aria-label={`Decide on ${dispute.caseNumber}`} data-testid="decision-form">
      {approveBlocked ? (
        <Notice kind="warning">
          <p data-testid="approval-blocked">
            {approveBlocked}
            {blocked ? '' : ' You may still reject it.'}
          </p>
        </Notice>
      ) : null}
      {onBehalfOf && !approveBlocked ? (
        <p className="muted" data-testid="on-behalf-of">
          Over your own limit: you approve it on behalf of {onBehalfOf.name}, under their delegation to you.
        </p>
      ) : null}
      {isStaleEvidence(error) ? (
        <Notice kind="warning">
          <p data-testid="stale-evidence" role="alert">
            The evidence of this case was refreshed after this page showed it, so your decision was not recorded. The case
            has been reloaded: check the findings and decide again.
          </p>
        </Notice>
      ) : (
        <ErrorMessage error={error} />
      )}
      {!blocked ? (
        <>
          <Field label="Comment" hint="Recorded in the case trail with your decision." error={fieldError(error, 'comment')}>
            {(props) => <textarea {...props} name="comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />}
          </Field>
          <div className="form-actions">
            {!approveBlocked ? (
              <button type="button" onClick={() => decide('APPROVE')} disabled={busy}>
                Approve {dispute.resolution?.amount ? showMoney(dispute.resolution.amount, dispute.currency) : ''}
                {onBehalfOf ? ` for ${onBehalfOf.name}` : ''}
              </button>
            ) : null}
            <button type="button" className="button-danger" onClick={() => decide('REJECT')} disabled={busy}>
              Reject
            </button>
          </div>
        </>
      ) : null}
    </form>
  );
}
