// Teams and routing as data: which team each finding code's tasks go to, and who owns the cases the system opens for
// a customer. Each PUT writes the next version whole, in one transaction with its record on the administration
// trail; the evidence activity routes by the version in force when it runs, and each task records it.
import type { z } from 'zod';
import { FINDING_CODES } from '../../domain/types';
import { routedTeams } from '../../domain/analysis';
import { routingAt, type Routing } from '../../read-model/routing';
import type { routingRequest, routingResponse } from '../../contract';
import { recordAdminEvent } from '../admin-trail';
import { AppError, type ErrorDetail } from '../errors';
import { withTransaction } from '../../infra/postgres';
import type { UseCaseContext } from './context';

type RoutingAnswer = z.input<typeof routingResponse>;

/** Every finding code with the team a version sends it to, and whether that is the code's default. */
function answerOf(routing: Routing): RoutingAnswer {
  const teams = routedTeams(routing.rules);
  return {
    version: routing.version,
    rules: FINDING_CODES.map((findingCode) => ({ findingCode, team: teams[findingCode], isDefault: !(findingCode in routing.rules) })),
    owners: routing.owners,
    createdBy: routing.createdBy,
    createdAt: routing.createdAt,
  };
}

/** Whether a version routes and owns exactly as the rules and owners sent (in any order). */
function sameRouting(routing: Routing, rules: { findingCode: string; team: string }[], owners: { customerId: string; ownerId: string }[]): boolean {
  const key = (pairs: [string, string][]) => JSON.stringify(pairs.map((p) => p.join('\u0000')).sort());
  return (
    key(Object.entries(routing.rules) as [string, string][]) === key(rules.map((r) => [r.findingCode, r.team])) &&
    key(routing.owners.map((o) => [o.customerId, o.owner.id])) === key(owners.map((o) => [o.customerId, o.ownerId]))
  );
}

export async function getRouting(ctx: UseCaseContext, _input: Record<string, never>): Promise<RoutingAnswer> {
  return answerOf(await routingAt(ctx.deps.pool));
}

/**
 * Writes the next version: the rules and owners sent, nothing else (codes not named keep their default team). Teams
 * must be configured and owners active specialists (422 naming each bad one, nothing written). What is in force
 * already is answered as it is, so a PUT sent again (its answer lost) writes no second version.
 */
export async function putRouting(ctx: UseCaseContext, { body }: { body: z.output<typeof routingRequest> }): Promise<RoutingAnswer> {
  const owners = body.owners ?? [];
  const details: ErrorDetail[] = [];
  body.rules.forEach((rule, i) => {
    if (!ctx.deps.teams.includes(rule.team)) {
      details.push({ field: `rules.${i}.team`, message: `must be one of the configured teams: ${ctx.deps.teams.join(', ')}`, in: 'body' });
    }
  });
  return withTransaction(ctx.deps.pool, async (client) => {
    const { rows: specialists } = await client.query<{ id: string }>(
      `SELECT id FROM users WHERE id = ANY($1::uuid[]) AND role = 'specialist' AND active AND revoked_at IS NULL`,
      [owners.map((o) => o.ownerId)],
    );
    const active = new Set(specialists.map((s) => s.id));
    owners.forEach((owner, i) => {
      if (!active.has(owner.ownerId)) details.push({ field: `owners.${i}.ownerId`, message: 'must be an active specialist', in: 'body' });
    });
    if (details.length) throw new AppError(422, 'UNPROCESSABLE', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
    // Versions are taken one after the other: two PUTs at once make two versions, each whole, never the same number.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('routing-versions', 0))`);
    const before = await routingAt(client);
    if (sameRouting(before, body.rules, owners)) return answerOf(before);
    const version = before.version + 1;
    await client.query('INSERT INTO routing_versions (version, created_by) VALUES ($1, $2)', [version, ctx.user.id]);
    await client.query(
      `INSERT INTO routing_rules (version, finding_code, team)
       SELECT $1, r.finding_code, r.team FROM jsonb_to_recordset($2::jsonb) AS r(finding_code text, team text)`,
      [version, JSON.stringify(body.rules.map((r) => ({ finding_code: r.findingCode, team: r.team })))],
    );
    await client.query(
      `INSERT INTO owner_rules (version, customer_id, owner_id)
       SELECT $1, o.customer_id, o.owner_id FROM jsonb_to_recordset($2::jsonb) AS o(customer_id text, owner_id uuid)`,
      [version, JSON.stringify(owners.map((o) => ({ customer_id: o.customerId, owner_id: o.ownerId })))],
    );
    const after = await routingAt(client, version);
    const trail = (r: Routing) => ({ version: r.version, rules: r.rules, owners: r.owners.map((o) => ({ customerId: o.customerId, ownerId: o.owner.id })) });
    await recordAdminEvent(client, {
      actorId: ctx.user.id,
      type: 'ROUTING_CHANGED',
      subjectId: String(version),
      data: { before: trail(before), after: trail(after) },
    });
    return answerOf(after);
  });
}
