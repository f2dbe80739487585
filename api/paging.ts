// Keyset cursors as the API checks them: a cursor is input too, refused (422) unless the API could have given it out.
import type { z } from 'zod';
import type { evidenceQuery } from '../contract';
import { unstorableFields } from '../domain/text';
import { UUID_PATTERN, decodeCursor } from '../read-model/sql';
import { AppError } from './errors';
import type { LineWindow } from './evidence';

export function checkedCursor(cursor: string, valid: (values: unknown[]) => boolean): string[] {
  const values = decodeCursor(cursor);
  // A cursor is input too: decoded, it may hold text the database cannot take (a forged "\u0000"), which must not
  // reach SQL; no cursor the API gave out does.
  if (!values || unstorableFields(values).length || !valid(values)) {
    // A string the document allows (it cannot say "only what the API gave out"): refused by rule, not by shape.
    throw AppError.unprocessable('cursor', 'is not a cursor this API gave out');
  }
  return values as string[];
}

/** The lines an evidence page holds: the first ones, or those after the cursor's lineNo. */
export function lineWindow(query: z.output<typeof evidenceQuery>): LineWindow {
  if (!query.cursor) return { after: null, limit: query.limit };
  const [after] = checkedCursor(query.cursor, (v) => v.length === 1 && typeof v[0] === 'string' && /^[1-9]\d{0,6}$/.test(v[0]));
  return { after: Number(after), limit: query.limit };
}

/** A timestamp as preciseSql renders it; anything else (a forged cursor) must not reach a ::timestamptz cast. */
export const isTimestamp = (v: unknown): boolean =>
  typeof v === 'string' &&
  /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v) &&
  !Number.isNaN(Date.parse(v)) &&
  new Date(Date.parse(v)).toISOString().slice(0, 19) === v.slice(0, 19);
export const isUuid = (v: unknown): boolean => typeof v === 'string' && UUID_PATTERN.test(v);
