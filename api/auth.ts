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
  /** Managers only; null = no limit. */
  approvalLimit: string | null;
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

export async function findUserByToken(db: Queryable, token: string): Promise<AuthUser | null> {
  const { rows } = await db.query(
    `SELECT id, name, role, team, approval_limit_minor FROM users WHERE token_hash = $1 AND revoked_at IS NULL`,
    [hashToken(token)],
  );
  const row = rows[0];
  return row ? userFromRow(row) : null;
}

/** A `users` row (id, name, role, team, approval_limit_minor) as the API shows it. */
export function userFromRow(row: { id: string; name: string; role: Role; team: string | null; approval_limit_minor: string | null }): AuthUser {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    team: row.team,
    approvalLimit: row.approval_limit_minor === null ? null : formatMoney(BigInt(row.approval_limit_minor)),
  };
}

/** The team a listing is narrowed to: ops see their own team's records only, whatever they ask for. */
export function visibleTeam(user: AuthUser, requested: string | null, what: string): string | null {
  if (user.role !== 'ops') return requested;
  if (requested !== null && requested !== user.team) throw AppError.forbidden(`you can only see the ${what} of ${user.team}`);
  return user.team;
}

/** Throttled before the lookup (api/throttle.ts): a refused guess never reaches the database. */
export function authenticate(pool: Pool, throttle: Throttle): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const attempt = throttle.admit(req, token);
    if (!token) throw AppError.unauthorized();
    let user: AuthUser | null;
    try {
      user = await findUserByToken(pool, token);
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
  return { id: user.id, name: user.name, role: user.role, team: user.team, approvalLimit: user.approvalLimit };
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
