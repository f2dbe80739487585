// People and their tokens. Tokens are generated here, answered once, and stored only as SHA-256.
import type { z } from 'zod';
import { parseMoney } from '../../domain/money';
import { generateToken, hashToken, USER_COLUMNS, userFromRow, visibleTeam } from '../auth';
import { UUID_PATTERN } from '../../read-model/sql';
import { AppError } from '../errors';
import type { peopleQuery, peopleResponse, userCreatedResponse, userRequest, userRevokedResponse } from '../../contract';
import type { UseCaseContext } from './context';

type NewUser = z.output<typeof userRequest>;

export async function createUser(ctx: UseCaseContext, { body: input }: { body: NewUser }): Promise<z.input<typeof userCreatedResponse>> {
  const { pool: db, teams } = ctx.deps;
  const team = input.team ?? null;
  const approvalLimit = input.approvalLimit ?? null;
  // Which roles have a team and a limit is in the request schema; which teams exist is configuration.
  if (team !== null && !teams.includes(team)) throw AppError.unprocessable('team', `must be one of ${teams.join(', ')}`);
  const token = generateToken();
  const { rows } = await db.query(
    `INSERT INTO users (name, role, team, approval_limit_minor, token_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [input.name, input.role, team, approvalLimit === null ? null : parseMoney(approvalLimit), hashToken(token)],
  );
  return { id: rows[0].id, name: input.name, role: input.role, team, approvalLimit, token };
}

/** Revokes a user's token: their next request is 401. The bootstrap admin is rotated through ADMIN_TOKEN instead. */
export async function revokeUser(ctx: UseCaseContext, { id }: { id: string }): Promise<z.input<typeof userRevokedResponse>> {
  const { deps: { pool: db }, user: actor } = ctx;
  if (!UUID_PATTERN.test(id)) throw AppError.notFound(`no user ${id}`);
  if (id === actor.id) throw AppError.conflict('you cannot revoke your own token');
  const { rows } = await db.query(
    `UPDATE users SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND NOT is_bootstrap
     RETURNING revoked_at`,
    [id],
  );
  const row = rows[0];
  if (!row) throw AppError.notFound(`no user ${id} (or it is the bootstrap admin)`);
  const { rows: users } = await db.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return { ...userFromRow(users[0], ctx.deps.baseCurrency), revokedAt: (row.revoked_at as Date).toISOString() };
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
