// Delegations between managers as the API shows them: to whom a manager handed his approvals, and for when.
import type { z } from 'zod';
import type { delegationOut } from '../contract';
import { isoSql, type Queryable, type Row } from './sql';

/** A manager's delegations, given and received, newest first: enough for years of absences. */
const HISTORY_LIMIT = 500;

const DELEGATION_SELECT = `SELECT d.id, d.manager_id, m.name AS manager_name, d.delegate_id, g.name AS delegate_name,
    ${isoSql('d.starts_at')} AS starts_at, ${isoSql('d.ends_at')} AS ends_at, d.created_by, c.name AS created_by_name,
    ${isoSql('d.created_at')} AS created_at
  FROM delegations d JOIN users m ON m.id = d.manager_id JOIN users g ON g.id = d.delegate_id JOIN users c ON c.id = d.created_by`;

function delegationOf(r: Row): z.input<typeof delegationOut> {
  return {
    id: r.id,
    managerId: r.manager_id,
    managerName: r.manager_name,
    delegateId: r.delegate_id,
    delegateName: r.delegate_name,
    from: r.starts_at,
    until: r.ends_at,
    createdBy: { id: r.created_by, name: r.created_by_name },
    createdAt: r.created_at,
  };
}

export async function delegationById(db: Queryable, id: string): Promise<z.input<typeof delegationOut>> {
  const { rows } = await db.query(`${DELEGATION_SELECT} WHERE d.id = $1`, [id]);
  return delegationOf(rows[0]);
}

/** Every delegation the user gave or received, newest first. */
export async function delegationsOf(db: Queryable, userId: string): Promise<z.input<typeof delegationOut>[]> {
  const { rows } = await db.query(
    `${DELEGATION_SELECT} WHERE d.manager_id = $1 OR d.delegate_id = $1 ORDER BY d.starts_at DESC, d.id DESC LIMIT ${HISTORY_LIMIT}`,
    [userId],
  );
  return rows.map(delegationOf);
}

/** The delegations a manager gave and received that run now or are still to come, soonest first. */
export async function currentDelegationsOf(
  db: Queryable,
  userId: string,
): Promise<{ given: z.input<typeof delegationOut>[]; received: z.input<typeof delegationOut>[] }> {
  const { rows } = await db.query(
    `${DELEGATION_SELECT} WHERE (d.manager_id = $1 OR d.delegate_id = $1) AND d.ends_at > now()
      ORDER BY d.starts_at, d.id LIMIT ${HISTORY_LIMIT}`,
    [userId],
  );
  return {
    given: rows.filter((r) => r.manager_id === userId).map(delegationOf),
    received: rows.filter((r) => r.delegate_id === userId).map(delegationOf),
  };
}
