// Who a wait that outlived its SLA goes to: read from the users as they are when it is escalated (a read: retrying it
// changes nothing).
import type { Pool } from 'pg';
import { USER_COLUMNS, userFromRow, type UserRow } from '../api/auth';
import { covers } from '../domain/approval';
import type { Actor } from '../domain/events';
import type { MoneyString } from '../domain/types';

export interface ApproversInput {
  currency: string;
  amount: MoneyString;
  proposedBy: string;
}

/** The active managers whose limits cover `amount` in `currency` and who did not propose it, by name. */
export async function coveringApprovers(pool: Pool, baseCurrency: string, input: ApproversInput): Promise<Actor[]> {
  const { rows } = await pool.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users u
      WHERE u.role = 'manager' AND u.active AND u.revoked_at IS NULL AND u.id <> $1::uuid
      ORDER BY u.name, u.id`,
    [input.proposedBy],
  );
  return rows
    .map((row) => userFromRow(row, baseCurrency))
    .filter((u) => covers(u, input.amount, input.currency))
    .map((u) => ({ id: u.id, name: u.name }));
}

/** The team's lead (an active ops user of the team with lead), or null when it has none. */
export async function teamLead(pool: Pool, input: { team: string }): Promise<Actor | null> {
  const { rows } = await pool.query<Actor>(
    `SELECT u.id, u.name FROM users u
      WHERE u.role = 'ops' AND u.team = $1 AND u.lead AND u.active AND u.revoked_at IS NULL
      ORDER BY u.created_at, u.id LIMIT 1`,
    [input.team],
  );
  return rows[0] ?? null;
}
