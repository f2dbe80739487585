// The fingerprint of what a case's decision rests on: the evidence and the findings as the case stores them.
// Node's crypto, so never in the workflow bundle: the evidence activity computes it and hands it to the workflow.
import { createHash } from 'node:crypto';
import type { Finding } from '../contract';
import type { StoredEvidence } from '../domain/evidence';

/**
 * SHA-256 (lowercase hex) of the canonical JSON (keys sorted at every depth, no whitespace) of `{evidence,
 * findings}` (a case over several invoices: `evidence` lists each one's, in the order its items name them): the same
 * stored content always gives the same hash, whatever order its objects were built in.
 */
export function evidenceHash(evidence: StoredEvidence | readonly StoredEvidence[], findings: readonly Finding[]): string {
  return createHash('sha256').update(canonicalJson({ evidence, findings })).digest('hex');
}

/**
 * JSON with every object's keys in code-point order at every depth and no whitespace; arrays keep their order (it
 * means something: line order). Written out rather than by JSON.stringify's replacer, which cannot order keys that
 * look like integers (JavaScript objects always put those first).
 */
export function canonicalJson(value: unknown): string {
  const v = hasToJson(value) ? value.toJSON() : value;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const members = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined && typeof x !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`);
  return `{${members.join(',')}}`;
}

function hasToJson(v: unknown): v is { toJSON(): unknown } {
  return v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}
