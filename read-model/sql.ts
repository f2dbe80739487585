// The SQL pieces every read shares: ISO timestamps rendered by the database, parameters, keyset cursors.
import type { Pool } from 'pg';

export type Queryable = Pick<Pool, 'query'>;

/**
 * The SQL expression rendering a timestamptz column as `2026-02-15T09:30:00.000Z` (what Date#toISOString gives),
 * so timestamps nested in json_build_object look the same as top-level ones. `column` is always a constant.
 */
export function isoSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Microsecond precision, for keyset cursors (a millisecond cursor would skip rows). */
export function preciseSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Parameters for SQL assembled from optional filters: `add(value)` keeps the value and returns its placeholder. */
export function sqlParams(): { values: unknown[]; add(value: unknown): string } {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/** Keyset cursors: opaque base64url of a JSON array. */
export function encodeCursor(values: readonly (string | boolean)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A row (or a json_build_object) as pg hands it over; mapped field by field into the contract's shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;
