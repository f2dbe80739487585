// Bearer tokens: only their SHA-256 is stored. Authentication runs before anything else on an /api route (a
// bad token never reaches Temporal); authorisation by role comes from the route table.
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { CommandActor } from '../domain/messages';
import { formatMoney } from '../domain/money';
import type { Role } from '../domain/types';
import type { Queryable } from '../read-model/sql';
import { AppError } from './errors';
import type { Throttle } from './throttle';

export interface AuthUser {
  id: string;
  name: string;
  role: Role;
  team: string | null;
  /** Managers only: the limit in BASE_CURRENCY; null = none there. */
  approvalLimit: string | null;
  /** Managers only: every limit by currency, BASE_CURRENCY's included; empty with a null approvalLimit = no limit. */
  approvalLimits: Record<string, string>;
  /** Ops only: the team's lead, who takes its overdue tasks. */
  lead: boolean;
  active: boolean;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** 32 random bytes, base64url: shown to its owner once. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

// The scheme is case-insensitive and followed by one or more spaces (RFC 7235 §2.1, RFC 6750 §2.1).
const BEARER = /^bearer +([\x21-\x7e]{1,512})$/i;

export function bearerToken(header: string | undefined): string | null {
  const match = header ? BEARER.exec(header.trim()) : null;
  return match ? match[1] : null;
}

/** The columns userFromRow reads, for a query over `users u`. */
export const USER_COLUMNS = `u.id, u.name, u.role, u.team, u.approval_limit_minor, u.lead, u.active,
  (SELECT coalesce(jsonb_object_agg(l.currency, l.limit_minor::text), '{}') FROM approval_limits l WHERE l.user_id = u.id) AS approval_limits`;

export async function findUserByToken(db: Queryable, token: string, baseCurrency: string): Promise<AuthUser | null> {
  const { rows } = await db.query(
    `SELECT ${USER_COLUMNS} FROM users u WHERE u.token_hash = $1 AND u.revoked_at IS NULL AND u.active`,
    [hashToken(token)],
  );
  const row = rows[0];
  return row ? userFromRow(row, baseCurrency) : null;
}

export interface UserRow {
  id: string;
  name: string;
  role: Role;
  team: string | null;
  approval_limit_minor: string | null;
  lead: boolean;
  active: boolean;
  /** Minor units by currency, as text (bigint-safe). */
  approval_limits: Record<string, string>;
}

/** A `users` row (USER_COLUMNS) as the API shows it: the base currency's limit joins the others. */
export function userFromRow(row: UserRow, baseCurrency: string): AuthUser {
  const approvalLimit = row.approval_limit_minor === null ? null : formatMoney(BigInt(row.approval_limit_minor));
  const approvalLimits: Record<string, string> = {};
  for (const [currency, minor] of Object.entries(row.approval_limits).sort(([a], [b]) => a.localeCompare(b))) {
    approvalLimits[currency] = formatMoney(BigInt(minor));
  }
  if (approvalLimit !== null) approvalLimits[baseCurrency] = approvalLimit;
  return { id: row.id, name: row.name, role: row.role, team: row.team, approvalLimit, approvalLimits, lead: row.lead, active: row.active };
}

/** The team a listing is narrowed to: ops see their own team's records only, whatever they ask for. */
export function visibleTeam(user: AuthUser, requested: string | null, what: string): string | null {
  if (user.role !== 'ops') return requested;
  if (requested !== null && requested !== user.team) throw AppError.forbidden(`you can only see the ${what} of ${user.team}`);
  return user.team;
}

/** Throttled before the lookup (api/throttle.ts): a refused guess never reaches the database. */
export function authenticate(pool: Pool, throttle: Throttle, baseCurrency: string): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const attempt = throttle.admit(req, token);
    if (!token) throw AppError.unauthorized();
    let user: AuthUser | null;
    try {
      user = await findUserByToken(pool, token, baseCurrency);
    } catch (err) {
      attempt.abandon();
      throw err;
    }
    attempt.settle(user !== null);
    if (!user) throw AppError.unauthorized('the token is unknown or revoked');
    res.locals.user = user;
    res.locals.log = res.locals.log?.child({ userId: user.id });
    next();
  };
}

export function authorize(roles: readonly Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.user as AuthUser;
    if (!roles.includes(user.role)) throw AppError.forbidden(`the ${user.role} role cannot do this; allowed: ${roles.join(', ')}`);
    next();
  };
}

/** The authenticated user as the workflow sees them on a command. */
export function commandActor(user: AuthUser): CommandActor {
  return { id: user.id, name: user.name, role: user.role, team: user.team, approvalLimit: user.approvalLimit, approvalLimits: user.approvalLimits };
}

/**
 * The bootstrap admin carries ADMIN_TOKEN: created on first start, its hash rotated when the token changes
 * (and un-revoked, since the operator just set it).
 */
export async function ensureBootstrapAdmin(pool: Pool, token: string): Promise<{ id: string }> {
  const { rows } = await pool.query(
    `INSERT INTO users (name, role, token_hash, is_bootstrap) VALUES ('admin', 'admin', $1, true)
     ON CONFLICT (is_bootstrap) WHERE is_bootstrap
     DO UPDATE SET token_hash = EXCLUDED.token_hash, revoked_at = NULL, role = 'admin'
     RETURNING id`,
    [hashToken(token)],
  );
  return { id: rows[0].id };
}
