// People and their tokens. Tokens are generated here, answered once, and stored only as SHA-256. Every change to a
// person is written to the administration trail in its own transaction (api/admin-trail.ts).
import type { PoolClient } from 'pg';
import type { z } from 'zod';
import { parseMoney } from '../../domain/money';
import { withTransaction } from '../../infra/postgres';
import { generateToken, hashToken, USER_COLUMNS, userFromRow, visibleTeam, type AuthUser, type UserRow } from '../auth';
import { recordAdminEvent } from '../admin-trail';
import { checkedCursor, isUuid } from '../paging';
import { encodeCursor, isoSql, sqlParams, UUID_PATTERN, type Queryable } from '../../read-model/sql';
import { AppError } from '../errors';
import type {
  peopleQuery,
  peopleResponse,
  userChangeRequest,
  userCreatedResponse,
  userListQuery,
  userListResponse,
  userRequest,
  userResponse,
  userRevokedResponse,
} from '../../contract';
import type { UseCaseContext } from './context';

type NewUser = z.output<typeof userRequest>;
type UserChange = z.output<typeof userChangeRequest>;

/**
 * A manager's limits as stored: the base currency's in users.approval_limit_minor, the others in approval_limits.
 * approvalLimits may name the base currency too, but not disagree with an approvalLimit sent beside it.
 */
function splitLimits(
  baseCurrency: string,
  approvalLimit: string | null | undefined,
  approvalLimits: Record<string, string> | undefined,
): { base: string | null; others: [string, string][] } {
  const named = approvalLimits?.[baseCurrency];
  if (named !== undefined && approvalLimit !== undefined && approvalLimit !== named) {
    throw AppError.unprocessable(`approvalLimits.${baseCurrency}`, `differs from approvalLimit (${approvalLimit ?? 'null'}), the limit in ${baseCurrency}`);
  }
  return {
    base: named ?? approvalLimit ?? null,
    others: Object.entries(approvalLimits ?? {}).filter(([currency]) => currency !== baseCurrency),
  };
}

async function writeOtherLimits(client: PoolClient, userId: string, others: [string, string][]): Promise<void> {
  await client.query(`DELETE FROM approval_limits WHERE user_id = $1`, [userId]);
  if (!others.length) return;
  await client.query(
    `INSERT INTO approval_limits (user_id, currency, limit_minor) SELECT $1, c, l FROM unnest($2::text[], $3::bigint[]) AS x (c, l)`,
    [userId, others.map(([currency]) => currency), others.map(([, limit]) => parseMoney(limit).toString())],
  );
}

function checkTeam(teams: readonly string[], team: string | null): void {
  if (team !== null && !teams.includes(team)) throw AppError.unprocessable('team', `must be one of ${teams.join(', ')}`);
}

async function userById(db: Queryable, id: string, baseCurrency: string): Promise<AuthUser> {
  const { rows } = await db.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return userFromRow(rows[0] as UserRow, baseCurrency);
}

export async function createUser(ctx: UseCaseContext, { body: input }: { body: NewUser }): Promise<z.input<typeof userCreatedResponse>> {
  const { pool, teams, baseCurrency } = ctx.deps;
  const team = input.team ?? null;
  // Which roles have a team, limits and a lead is in the request schema; which teams exist is configuration.
  checkTeam(teams, team);
  const limits = input.role === 'manager' ? splitLimits(baseCurrency, input.approvalLimit, input.approvalLimits) : { base: null, others: [] };
  const lead = input.role === 'ops' ? (input.lead ?? false) : false;
  const token = generateToken();
  const user = await withTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `INSERT INTO users (name, role, team, approval_limit_minor, lead, token_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [input.name, input.role, team, limits.base === null ? null : parseMoney(limits.base), lead, hashToken(token)],
    );
    const id: string = rows[0].id;
    await writeOtherLimits(client, id, limits.others);
    const created = await userById(client, id, baseCurrency);
    const { id: _id, ...data } = created;
    await recordAdminEvent(client, { actorId: ctx.user.id, type: 'USER_CREATED', subjectId: id, data });
    return created;
  });
  return { ...user, token };
}

/** Every person but the system actor, by name, a page at a time; never a token or its hash. */
export async function listUsers(ctx: UseCaseContext, { query }: { query: z.output<typeof userListQuery> }): Promise<z.input<typeof userListResponse>> {
  const { values: params, add: param } = sqlParams();
  const where = [`u.role <> 'system'`];
  if (query.role) where.push(`u.role = ${param(query.role)}`);
  if (query.team) where.push(`u.team = ${param(query.team)}`);
  if (query.active !== undefined) where.push(`u.active = ${param(query.active)}`);
  if (query.cursor) {
    // The last user's id only: a name (200 characters of any script) would not fit in a cursor the query takes.
    const [id] = checkedCursor(query.cursor, (v) => v.length === 1 && isUuid(v[0]));
    where.push(`(u.name, u.id) > (SELECT c.name, c.id FROM users c WHERE c.id = ${param(id)}::uuid)`);
  }
  const { rows } = await ctx.deps.pool.query(
    `SELECT ${USER_COLUMNS}, ${isoSql('u.created_at')} AS created_at, ${isoSql('u.revoked_at')} AS revoked_at
       FROM users u WHERE ${where.join(' AND ')}
      ORDER BY u.name, u.id LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ ...userFromRow(r as UserRow, ctx.deps.baseCurrency), createdAt: r.created_at, revokedAt: r.revoked_at })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null,
  };
}

/** The fields of a user a change is recorded by, as the API shows them. */
const CHANGEABLE = ['name', 'team', 'approvalLimit', 'approvalLimits', 'lead', 'active'] as const;

/**
 * Changes a user: which fields a role takes is checked against the user's role (ops keep a team, only managers have
 * limits, only ops lead), and approvalLimits replaces the whole set. The bootstrap admin (ADMIN_TOKEN) and the
 * system actor are not people an admin manages.
 */
export async function changeUser(ctx: UseCaseContext, { id, body }: { id: string; body: UserChange }): Promise<z.input<typeof userResponse>> {
  const { deps: { pool, teams, baseCurrency }, user: actor } = ctx;
  if (!UUID_PATTERN.test(id)) throw AppError.notFound(`no user ${id}`);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(`SELECT ${USER_COLUMNS}, u.is_bootstrap FROM users u WHERE u.id = $1 FOR UPDATE OF u`, [id]);
    const row = rows[0];
    if (!row) throw AppError.notFound(`no user ${id}`);
    if (row.is_bootstrap || row.role === 'system') throw AppError.conflict(`${row.is_bootstrap ? 'the bootstrap admin' : 'the system actor'} cannot be changed`);
    const before = userFromRow(row as UserRow, baseCurrency);
    if (body.team !== undefined) {
      checkTeam(teams, body.team);
      if (body.team === null && before.role === 'ops') throw AppError.unprocessable('team', 'ops users need a team');
    }
    for (const field of ['approvalLimit', 'approvalLimits'] as const) {
      if (body[field] !== undefined && before.role !== 'manager') throw AppError.unprocessable(field, 'only a manager has approval limits');
    }
    if (body.lead !== undefined && before.role !== 'ops') throw AppError.unprocessable('lead', 'only an ops user leads a team');
    if (body.active === false && id === actor.id) throw AppError.conflict('you cannot deactivate yourself');

    const limits = body.approvalLimits !== undefined ? splitLimits(baseCurrency, body.approvalLimit, body.approvalLimits) : null;
    const base = limits ? limits.base : body.approvalLimit !== undefined ? body.approvalLimit : before.approvalLimit;
    await client.query(
      `UPDATE users SET name = $2, team = $3, approval_limit_minor = $4, lead = $5, active = $6 WHERE id = $1`,
      [id, body.name ?? before.name, body.team !== undefined ? body.team : before.team, base === null ? null : parseMoney(base),
        body.lead ?? before.lead, body.active ?? before.active],
    );
    if (limits) await writeOtherLimits(client, id, limits.others);
    const after = await userById(client, id, baseCurrency);
    const changed = CHANGEABLE.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
    if (changed.length) {
      await recordAdminEvent(client, {
        actorId: actor.id,
        type: 'USER_CHANGED',
        subjectId: id,
        data: {
          before: Object.fromEntries(changed.map((field) => [field, before[field]])),
          after: Object.fromEntries(changed.map((field) => [field, after[field]])),
        },
      });
    }
    return after;
  });
}

/** Revokes a user's token for good: their next request is 401. The bootstrap admin is rotated through ADMIN_TOKEN instead. */
export async function revokeUser(ctx: UseCaseContext, { id }: { id: string }): Promise<z.input<typeof userRevokedResponse>> {
  const { deps: { pool, baseCurrency }, user: actor } = ctx;
  if (!UUID_PATTERN.test(id)) throw AppError.notFound(`no user ${id}`);
  if (id === actor.id) throw AppError.conflict('you cannot revoke your own token');
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(`SELECT revoked_at FROM users WHERE id = $1 AND NOT is_bootstrap FOR UPDATE`, [id]);
    const row = rows[0];
    if (!row) throw AppError.notFound(`no user ${id} (or it is the bootstrap admin)`);
    let revokedAt = row.revoked_at as Date | null;
    // Revoking again answers the first revocation, and the trail keeps one.
    if (revokedAt === null) {
      const { rows: revoked } = await client.query(`UPDATE users SET revoked_at = now() WHERE id = $1 RETURNING revoked_at`, [id]);
      revokedAt = revoked[0].revoked_at as Date;
      await recordAdminEvent(client, { actorId: actor.id, type: 'USER_REVOKED', subjectId: id, data: {} });
    }
    return { ...(await userById(client, id, baseCurrency)), revokedAt: revokedAt.toISOString() };
  });
}

/**
 * Active people by role and team, for pickers: every role may see who it can hand work to (no limits, no tokens);
 * ops, as everywhere, only their own team.
 */
export async function listPeople(ctx: UseCaseContext, { query }: { query: z.output<typeof peopleQuery> }): Promise<z.input<typeof peopleResponse>> {
  const team = visibleTeam(ctx.user, query.team ?? null, 'people');
  const { rows } = await ctx.deps.pool.query(
    `SELECT id, name, role, team, lead FROM users
      WHERE active AND revoked_at IS NULL AND role <> 'system'
        AND ($1::text IS NULL OR role = $1) AND ($2::text IS NULL OR team = $2)
      ORDER BY name, id LIMIT 1000`,
    [query.role ?? null, team],
  );
  return { items: rows };
}
