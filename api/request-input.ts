// A route's input, read and checked before its handler runs: text PostgreSQL cannot store (400), then each part
// against its zod schema (400 for what /openapi.json itself refuses, 422 for a rule it cannot state).
import type { Request } from 'express';
import type { core, z } from 'zod';
import { unstorableFields } from '../domain/text';
import { AppError, type ErrorDetail } from './errors';
import { bodyOf } from './json-body';
import { xmlTextOf } from './xml-body';
import type { Route } from './route';

export interface RequestInput {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: unknown;
}

export function readInput(route: Route, req: Request): RequestInput {
  const details: ErrorDetail[] = [];
  // 400 is for input that /openapi.json itself refuses. A refinement is a rule the document cannot state (a date
  // that does not exist, a period that ends before it starts, a duplicate line): input that meets the document
  // but breaks only such rules is refused like a business rule, 422, so the document never promises what the
  // API refuses (schemathesis checks exactly that).
  let offDocument = false;
  const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: ErrorDetail['in']) => {
    if (!schema) return {};
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.flatMap(nearestBranch);
    details.push(...zodDetails(issues, where));
    offDocument ||= issues.some((issue) => issue.code !== 'custom');
    return undefined;
  };
  const rawHeaders = route.headers ? headersOf(req, Object.keys(route.headers.shape)) : {};
  unstorable(req.params, 'path', details);
  unstorable(req.query, 'query', details);
  unstorable(rawHeaders, 'header', details);
  if (details.length) throw AppError.badRequest('the request is invalid', details);
  const body = route.body ? (route.bodyMedia === 'xml' ? xmlTextOf(req) : bodyOf(req)) : undefined;
  unstorable(body, 'body', details);
  if (details.length) throw AppError.badRequest('the request is invalid', details);

  const input = {
    params: parse(route.params, req.params, 'path'),
    query: parse(route.query, req.query ?? {}, 'query'),
    headers: parse(route.headers, rawHeaders, 'header'),
    body: parse(route.body, body, 'body'),
  };
  if (details.length && offDocument) throw AppError.badRequest('the request is invalid', details);
  if (details.length) throw new AppError(422, 'UNPROCESSABLE', 'the request breaks a rule', details);
  return input;
}

/**
 * A body that fits no shape of a union (an opening: v1 or items) is refused with the issues of the shape it came
 * nearest, the one with the fewest (the first on a tie), so that each bad field is named, e.g. `items.0.lineNo`.
 */
function nearestBranch(issue: core.$ZodIssue): core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || !issue.errors.length) return [issue];
  const nearest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  return nearest.flatMap((inner) => nearestBranch({ ...inner, path: [...issue.path, ...inner.path] } as core.$ZodIssue));
}

/** A zod failure's issues, each naming its field (unknown keys are named one by one). */
function zodDetails(issues: readonly core.$ZodIssue[], where: ErrorDetail['in']): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({ field: fieldName([...issue.path, key], where), message: 'is not an accepted field', in: where });
      }
    } else {
      details.push({ field: fieldName(issue.path, where), message: issue.message, in: where });
    }
  }
  return details;
}

function fieldName(path: readonly PropertyKey[], where: ErrorDetail['in']): string {
  return path.length ? path.map(String).join('.') : `(${where ?? 'request'})`;
}

/**
 * Text PostgreSQL cannot store as sent (NUL, an unpaired UTF-16 surrogate), anywhere in the input, keys included,
 * is refused up front with a 400 naming the field, before any rule runs: never a database error, and never stored
 * changed (the driver would write a lone surrogate as U+FFFD). The one place the API checks it, for every route.
 */
function unstorable(input: unknown, where: ErrorDetail['in'], details: ErrorDetail[]): void {
  for (const { field, problem } of unstorableFields(input)) {
    details.push({ field: field || `(${where})`, message: `holds ${problem}, which cannot be stored`, in: where });
  }
}

function headersOf(req: Request, names: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.get(name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}
