// Routing as data (routing_versions, routing_rules, owner_rules; migration 0017): the version in force, read by the
// evidence activity when it routes findings, by GET /api/routing, and by the start-up check of the configured teams.
import { routedTeams } from '../domain/analysis';
import type { FindingCode, Team } from '../domain/types';
import { StartFailure } from '../infra/start-failure';
import { isoSql, type Queryable } from './sql';

export interface Routing {
  /** 0: no version written yet, the code's defaults. */
  version: number;
  /** The codes the version names; the others keep their default team (domain/analysis.ts routedTeams). */
  rules: Partial<Record<FindingCode, Team>>;
  owners: { customerId: string; owner: { id: string; name: string } }[];
  createdBy: { id: string; name: string } | null;
  createdAt: string | null;
}

export const DEFAULT_ROUTING: Routing = { version: 0, rules: {}, owners: [], createdBy: null, createdAt: null };

/** The version given, or the newest when none is; version 0 (or none written) is the defaults. */
export async function routingAt(db: Queryable, version: number | null = null): Promise<Routing> {
  const { rows } = await db.query(
    `SELECT v.version, v.created_by, u.name AS created_by_name, ${isoSql('v.created_at')} AS created_at,
            (SELECT coalesce(json_object_agg(r.finding_code, r.team), '{}') FROM routing_rules r WHERE r.version = v.version) AS rules,
            (SELECT coalesce(json_agg(json_build_object('customerId', o.customer_id, 'owner', json_build_object('id', o.owner_id, 'name', ou.name))
                                      ORDER BY o.customer_id), '[]')
               FROM owner_rules o JOIN users ou ON ou.id = o.owner_id WHERE o.version = v.version) AS owners
       FROM routing_versions v JOIN users u ON u.id = v.created_by
      WHERE $1::integer IS NULL OR v.version = $1
      ORDER BY v.version DESC LIMIT 1`,
    [version],
  );
  const row = rows[0];
  if (!row) return DEFAULT_ROUTING;
  return {
    version: row.version,
    rules: row.rules,
    owners: row.owners,
    createdBy: { id: row.created_by, name: row.created_by_name },
    createdAt: row.created_at,
  };
}

/**
 * Refuses to start when TEAMS no longer names a team that still holds open tasks, or that the routing version in
 * force sends findings to: its tasks could be neither completed (nobody can be made ops of it) nor escalated to
 * anyone. One line naming each such team, for the API, the worker and `npm start` alike.
 */
export async function refuseDroppedTeams(db: Queryable, teams: readonly string[]): Promise<void> {
  const configured = new Set(teams);
  const routing = await routingAt(db);
  const routedTo = new Set(Object.values(routedTeams(routing.rules)));
  const { rows } = await db.query<{ team: string; open: number }>(
    `SELECT team, count(*)::int AS open FROM tasks WHERE status = 'OPEN' AND team <> ALL($1::text[]) GROUP BY team`,
    [[...configured]],
  );
  const openTasks = new Map(rows.map((r) => [r.team, r.open]));
  const dropped = [...new Set([...openTasks.keys(), ...[...routedTo].filter((team) => !configured.has(team))])].sort();
  if (!dropped.length) return;
  const why = dropped.map((team) => {
    const reasons = [`${openTasks.get(team) ?? 0} open task(s)`];
    if (routedTo.has(team)) reasons.push(`routing version ${routing.version} routes to it`);
    return `${team} (${reasons.join(', ')})`;
  });
  throw new StartFailure(
    `TEAMS (${teams.join(',')}) drops ${why.join('; ')}: add them to TEAMS, or route their finding codes to a configured team (PUT /api/routing) and let their open tasks be completed first.`,
  );
}
