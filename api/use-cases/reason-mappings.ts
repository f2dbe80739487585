// Reason mappings (issue 11): a customer's own deduction codes mapped to our reason codes. Each PUT is a new
// version; a deduction takes its reason from the customer's latest version when its payment is posted, and names it.
import type { z } from 'zod';
import type { ReasonCode } from '../../domain/types';
import type { Queryable } from '../../read-model/sql';
import type { reasonMappingsRequest, reasonMappingsResponse } from '../../contract';
import { AppError } from '../errors';
import { keyed, requestHash } from '../idempotency';
import type { CommandUseCaseContext, UseCaseContext } from './context';

type MappingAnswer = z.input<typeof reasonMappingsResponse>;

/** A customer's mapping as one version has it. */
export interface ReasonMapping {
  version: number;
  reasons: Map<string, ReasonCode>;
}

/** What a deduction records: our reason for the customer's code, and the version it came from (null: none). */
export function reasonOf(mapping: ReasonMapping | undefined, customerCode: string): { reasonCode: ReasonCode; mappingVersion: number | null } {
  return { reasonCode: mapping?.reasons.get(customerCode) ?? 'OTHER', mappingVersion: mapping?.version ?? null };
}

/** The latest mapping of each of these customers that has one. */
export async function latestMappings(db: Queryable, customerIds: readonly string[]): Promise<Map<string, ReasonMapping>> {
  const { rows } = await db.query(
    `SELECT DISTINCT ON (customer_id) customer_id, version, mappings FROM reason_mappings
      WHERE customer_id = ANY($1) ORDER BY customer_id, version DESC`,
    [[...new Set(customerIds)]],
  );
  return new Map(
    rows.map((r) => [
      r.customer_id as string,
      { version: r.version as number, reasons: new Map((r.mappings as MappingAnswer['mappings']).map((m) => [m.code, m.reasonCode])) },
    ]),
  );
}

async function customerExists(db: Queryable, customerId: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  if (!rowCount) throw AppError.notFound(`no customer ${customerId}`);
}

/** Appends the customer's next version; a retry under the same Idempotency-Key answers the version it made. */
export async function putReasonMappings(
  ctx: CommandUseCaseContext,
  { customerId, body }: { customerId: string; body: z.output<typeof reasonMappingsRequest> },
): Promise<MappingAnswer> {
  const request = { command: 'reason-mappings', caseId: null, hash: requestHash({ target: customerId, body }) };
  return keyed(ctx, request, async (client) => {
    await customerExists(client, customerId);
    // Two PUTs for one customer at once take their versions one after the other, not both the same.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('reason-mappings:' || $1, 0))`, [customerId]);
    const { rows } = await client.query(
      `INSERT INTO reason_mappings (customer_id, version, mappings, created_by)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM reason_mappings WHERE customer_id = $1
       RETURNING version`,
      [customerId, JSON.stringify(body.mappings), ctx.user.id],
    );
    return { customerId, version: rows[0].version, mappings: body.mappings };
  });
}

/** The customer's latest version; 404 when the customer is unknown or has none. */
export async function getReasonMappings(ctx: UseCaseContext, { customerId }: { customerId: string }): Promise<MappingAnswer> {
  const { pool } = ctx.deps;
  await customerExists(pool, customerId);
  const { rows } = await pool.query(
    'SELECT version, mappings FROM reason_mappings WHERE customer_id = $1 ORDER BY version DESC LIMIT 1',
    [customerId],
  );
  if (!rows[0]) throw AppError.notFound(`customer ${customerId} has no reason mapping`);
  return { customerId, version: rows[0].version, mappings: rows[0].mappings };
}
