// Whose authority a decision is made with, and the policy it is made under, resolved by the API before it sends the
// decision: the workflow checks both again at its own time (a delegation may have ended meanwhile).
import { approvalRefusal, appliedLimit, covers } from '../domain/approval';
import type { CommandActor, DisputeSlas, OnBehalfOf } from '../domain/messages';
import { formatMoney } from '../domain/money';
import type { Decision } from '../domain/types';
import type { Queryable } from '../read-model/sql';
import { USER_COLUMNS, userFromRow, type UserRow } from './auth';
import { AppError } from './errors';

/** The proposal a case waits on a decision for, in the case's currency; null when it waits on none. */
export interface PendingProposal {
  currency: string;
  amount: string;
  proposedBy: string;
}

export async function pendingProposal(db: Queryable, caseId: string): Promise<PendingProposal | null> {
  const { rows } = await db.query(
    `SELECT c.currency, r.amount_minor::text AS amount_minor, r.proposed_by
       FROM cases c JOIN resolutions r ON r.case_id = c.id
      WHERE c.id = $1 AND c.stage = 'APPROVAL' AND r.amount_minor IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.resolution_id = r.id)
      ORDER BY r.proposed_at DESC, r.id LIMIT 1`,
    [caseId],
  );
  const row = rows[0];
  return row ? { currency: row.currency, amount: formatMoney(BigInt(row.amount_minor)), proposedBy: row.proposed_by } : null;
}

/** The delegations to `delegateId` running now, from active managers, latest ending first. */
export async function delegationsTo(db: Queryable, baseCurrency: string, delegateId: string): Promise<OnBehalfOf[]> {
  const { rows } = await db.query<UserRow & { delegation_id: string; starts_at: Date; ends_at: Date }>(
    `SELECT ${USER_COLUMNS}, d.id AS delegation_id, d.starts_at, d.ends_at
       FROM delegations d JOIN users u ON u.id = d.manager_id
      WHERE d.delegate_id = $1 AND d.starts_at <= now() AND now() < d.ends_at
        AND u.role = 'manager' AND u.active AND u.revoked_at IS NULL
      ORDER BY d.ends_at DESC, d.id`,
    [delegateId],
  );
  return rows.map((row) => {
    const absent = userFromRow(row, baseCurrency);
    return {
      id: absent.id,
      name: absent.name,
      approvalLimit: absent.approvalLimit,
      approvalLimits: absent.approvalLimits,
      delegation: { id: row.delegation_id, from: row.starts_at.toISOString(), until: row.ends_at.toISOString() },
    };
  });
}

export interface DecisionAuthority {
  onBehalfOf: OnBehalfOf | null;
  /** Why neither the actor's own authority nor a delegation will do (the actor's own refusal); null when one does. */
  refusal: string | null;
}

/**
 * The authority `actor` decides with: their own when it suffices (a rejection always does), else that of an absent
 * manager among their delegations who did not propose and whose limits cover the amount. The delegations are asked
 * for only when the actor's own authority does not do.
 */
export async function chooseAuthority(
  actor: CommandActor,
  proposal: PendingProposal,
  decision: Decision,
  delegations: () => Promise<readonly OnBehalfOf[]>,
): Promise<DecisionAuthority> {
  const own = approvalRefusal(actor, proposal, proposal.currency, decision);
  if (own === null) return { onBehalfOf: null, refusal: null };
  if (actor.role !== 'manager' || actor.id === proposal.proposedBy) return { onBehalfOf: null, refusal: own };
  const onBehalfOf = (await delegations()).find((d) => d.id !== proposal.proposedBy && covers(d, proposal.amount, proposal.currency));
  return onBehalfOf ? { onBehalfOf, refusal: null } : { onBehalfOf: null, refusal: own };
}

export function decisionAuthority(
  db: Queryable,
  baseCurrency: string,
  actor: CommandActor,
  proposal: PendingProposal,
  decision: Decision,
): Promise<DecisionAuthority> {
  return chooseAuthority(actor, proposal, decision, () => delegationsTo(db, baseCurrency, actor.id));
}

/** With whose authority, and under which limit in the case's currency, a manager would approve a proposal. */
export interface ReaderAuthority {
  /** The limit applied: the manager's own, or the absent manager's; null for none (or none in the currency: see refusal). */
  limit: string | null;
  onBehalfOf: { id: string; name: string } | null;
  /** Why the manager cannot approve it (they may still reject it); null when they can. */
  refusal: string | null;
}

export async function readerAuthority(
  actor: CommandActor,
  proposal: PendingProposal,
  delegations: () => Promise<readonly OnBehalfOf[]>,
): Promise<ReaderAuthority> {
  const chosen = await chooseAuthority(actor, proposal, 'APPROVE', delegations);
  const onBehalfOf = chosen.onBehalfOf && { id: chosen.onBehalfOf.id, name: chosen.onBehalfOf.name };
  return { limit: appliedLimit(actor, chosen.onBehalfOf, proposal.currency), onBehalfOf, refusal: chosen.refusal };
}

/** What a decision is made under; the same policy is one version (policy_versions is content-addressed). */
export interface DecisionPolicy {
  limit: { currency: string; amount: string | null; whose: string };
  slas: DisputeSlas;
  routingVersion: number;
}

export function decisionPolicy(
  actor: CommandActor,
  onBehalfOf: OnBehalfOf | null,
  currency: string,
  slas: DisputeSlas,
  routingVersion: number,
): DecisionPolicy {
  return { limit: { currency, amount: appliedLimit(actor, onBehalfOf, currency), whose: (onBehalfOf ?? actor).id }, slas, routingVersion };
}

/** The routing in force: the latest version written, 0 for the code's defaults. */
export async function currentRoutingVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query('SELECT coalesce(max(version), 0)::int AS version FROM routing_versions');
  return rows[0].version;
}

/** The version of `policy`, written the first time it is met. */
export async function policyVersion(db: Queryable, policy: DecisionPolicy): Promise<number> {
  const sql = `WITH p AS (SELECT $1::jsonb AS policy, encode(sha256(convert_to($1::jsonb::text, 'UTF8')), 'hex') AS hash),
                    written AS (INSERT INTO policy_versions (policy, hash) SELECT policy, hash FROM p
                                ON CONFLICT (hash) DO NOTHING RETURNING version)
               SELECT version FROM written UNION ALL SELECT v.version FROM policy_versions v JOIN p USING (hash)`;
  // A racing first writer commits after this statement's snapshot was taken: the second attempt sees its row.
  for (let attempt = 0; attempt < 2; attempt++) {
    const { rows } = await db.query(sql, [JSON.stringify(policy)]);
    if (rows[0]) return rows[0].version;
  }
  throw AppError.unavailable('the policy version could not be written');
}
