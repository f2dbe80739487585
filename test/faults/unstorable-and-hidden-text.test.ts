// F21 text the database cannot store, and text that hides or reorders itself, in every field. Generated from the
// route table and /openapi.json: every free-text and id field of every body route, and every text parameter of
// every GET route's query string, gets arbitrary Unicode from fast-check: lone surrogates (high and low), NUL,
// bidirectional controls, zero-width characters, combining marks, astral characters (emoji), right-to-left letters.
// The document is the oracle: what it allows (its patterns and lengths) and PostgreSQL can store is accepted and the
// case keeps moving (it reaches its next stage, or closes), and the text reads back exactly as sent, never with
// U+FFFD in it; anything else is a 400 naming the field that wrote nothing. Never a 5xx, and, by the invariant
// check at the end, never an activity attempted more than five times. 12 runs per body route and 8 per query
// parameter (each run's first two are fixed examples, one refused and one accepted), on the real stack; with
// 20 cases in flight throughout, which finish after.
import fc from 'fast-check';
import { routes } from '../../api/routes';
import { openApiDocument } from '../../api/routes';
import { unstorableText } from '../../domain/text';
import { NOT_BLANK, NO_BIDI_CONTROLS, VISIBLE } from '../../contract';
import { startApi, type ApiHarness, type ApiResponse } from '../support/api';
import {
  caseViaApi,
  completeTasksViaApi,
  createCast,
  driveToMemoViaApi,
  expectInvariants,
  importViaApi,
  mapLimit,
  openCaseViaApi,
  openCasesViaApi,
  type Cast,
  type CaseRef,
  type HttpCase,
} from '../support/faults';
import type { Role } from '../../domain/types';
import { createUser, pricingDispute, uniqueId, type TestUser } from '../../testkit/fixtures';
import { camt054Fixture } from '../support/camt054-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const BODY_RUNS = 12;
const QUERY_RUNS = 8;

// ---------------------------------------------------------------- the text

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019 -.'), minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom('مرحبا', 'שלום') },
  { weight: 1, arbitrary: fc.constantFrom('😀', '𝔘', '👍🏽') },
  { weight: 1, arbitrary: fc.constantFrom('\u0301', '\u0308', '\u20dd') },
  { weight: 1, arbitrary: fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\ufeff') },
  { weight: 1, arbitrary: fc.constantFrom('\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c') },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\ud83d') },
  { weight: 1, arbitrary: fc.constantFrom('\udc00', '\udfff', '\ude00') },
  { weight: 1, arbitrary: fc.constant('\u0000') },
);
const unicodeText = fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(''));
/** The first two runs of every property: one text refused everywhere, one accepted everywhere an id may hold it. */
const REFUSED = 'x\ud800y';
const ACCEPTED = 'Zoë 😀 e\u0301 مرحبا';

// ---------------------------------------------------------------- the document as the oracle

const TEXT_PATTERNS = new Set([NOT_BLANK.source, VISIBLE.source, NO_BIDI_CONTROLS.source]);
const patternsOf = (s: Json): string[] => [s.pattern, ...(s.allOf ?? []).map((a: Json) => a.pattern)].filter(Boolean);
/** A field people type text into: a string with no enum, format or pattern of its own (money, dates, currencies). */
const isText = (s: Json): boolean =>
  s.type === 'string' && !s.enum && s.const === undefined && !s.format && patternsOf(s).every((p) => TEXT_PATTERNS.has(p));

/** Whether the document and the database both take `text` in a field of schema `s`. */
function takes(s: Json, text: string): boolean {
  if (unstorableText(text) !== null) return false;
  if (s.maxLength !== undefined && [...text].length > s.maxLength) return false;
  return patternsOf(s).every((p) => new RegExp(p).test(text));
}

/** The branch of a union `value` is an instance of (by type, its keys, and the consts and enums of its fields). */
function branchFor(schema: Json, value: unknown): Json {
  const options: Json[] | undefined = schema.anyOf ?? schema.oneOf;
  if (!options) return schema;
  const fits = (o: Json): boolean => {
    if (o.anyOf || o.oneOf) return (o.anyOf ?? o.oneOf).some(fits);
    if (value === null) return o.type === 'null';
    if (Array.isArray(value)) return o.type === 'array';
    if (typeof value === 'object') {
      return (
        o.type === 'object' &&
        // A strict branch does not take a key it lacks (an opening's items are not v1's).
        (o.additionalProperties !== false || Object.keys(value).every((k) => k in (o.properties ?? {}))) &&
        Object.entries((o.properties ?? {}) as Record<string, Json>).every(([k, p]) => {
          const v = (value as Json)[k];
          return v === undefined || (p.const === undefined || p.const === v) && (!p.enum || p.enum.includes(v));
        })
      );
    }
    return o.type === (typeof value === 'number' ? (Number.isInteger(value) ? o.type : 'number') : typeof value);
  };
  const chosen = options.find(fits);
  return chosen ? branchFor(chosen, value) : schema;
}

/** The text fields of `value` (an accepted body), dotted, with their schemas. */
/** Query parameters that pick one record of the case (not a filter): text the document takes finds none. */
const PICKS_ONE_OF_THE_CASE = ['/api/disputes/:id/evidence?invoiceNumber'];

function textFieldsOf(schema: Json, value: unknown, path = ''): Map<string, Json> {
  const s = branchFor(schema, value);
  const found = new Map<string, Json>();
  if (typeof value === 'string' && isText(s)) found.set(path, s);
  else if (Array.isArray(value)) value.forEach((v, i) => textFieldsOf(s.items, v, `${path}.${i}`).forEach((f, p) => found.set(p, f)));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      textFieldsOf(s.properties[k], v, path ? `${path}.${k}` : k).forEach((f, p) => found.set(p, f));
    }
  }
  return found;
}

/** Every text field the document names in a body, whatever its shape (each union branch, arrays as `.0`). */
function documentedTextFields(schema: Json, path = ''): Set<string> {
  const found = new Set<string>();
  const add = (more: Set<string>) => more.forEach((p) => found.add(p));
  for (const option of schema.anyOf ?? schema.oneOf ?? []) add(documentedTextFields(option, path));
  if (isText(schema)) found.add(path);
  if (schema.type === 'array') add(documentedTextFields(schema.items, `${path}.0`));
  for (const [k, p] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) add(documentedTextFields(p, path ? `${path}.${k}` : k));
  return found;
}

function withValue(body: Json, path: string, value: string): Json {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at: Json = copy;
  for (const key of keys.slice(0, -1)) at = at[key];
  at[keys[keys.length - 1]] = value;
  return copy;
}

/** `text` as a query string value: every UTF-16 unit percent-encoded as UTF-8 would be (a lone surrogate too). */
function percentEncoded(text: string): { encoded: string; asDecoded: string } {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (cp >= 0xd800 && cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  // What the server reads: URL decoding of bytes that are not UTF-8 (a surrogate's) gives U+FFFD, never a surrogate.
  return { encoded: bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''), asDecoded: Buffer.from(bytes).toString('utf8') };
}

const named = (res: ApiResponse): string[] => res.body?.error?.details?.map((d: { field: string }) => d.field) ?? [];

// ---------------------------------------------------------------- the world

let api: ApiHarness;
let cast: Cast;
let admin: TestUser;
let inFlight: HttpCase[];
/** The customer and invoice payments are posted to, and cash left unapplied for the worklist's text. */
let paying: ReturnType<typeof pricingDispute>;
let unappliedId: string;

describe('F21 text the database cannot store, and text that hides or reorders itself', () => {
  beforeAll(async () => {
    api = await startApi({ worker: true });
    cast = await createCast(api.db.pool);
    admin = await api.user('admin');
    inFlight = await openCasesViaApi(api, cast.specialist, Array.from({ length: 20 }, () => pricingDispute()));
    // Settled in INVESTIGATION, so that what a refused request must leave alone is not moving on its own.
    await mapLimit(inFlight, 10, (c) => caseViaApi(api, cast.specialist, c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION'));
    paying = pricingDispute();
    await importViaApi(api, cast.specialist, [paying]);
    const unapplied = { id: uniqueId('PAY'), customerId: paying.customerId, receivedAt: '2026-12-01T00:00:00Z', currency: 'USD', amount: '100.00', remittance: [] };
    expect((await api.request('POST', '/api/payments', { token: cast.specialist.token, body: { payments: [unapplied] } })).status).toBe(200);
    unappliedId = (await api.request('GET', '/api/unapplied-cash', { token: cast.specialist.token })).body.items[0].id;
  }, 60_000);

  afterAll(() => api?.close());

  async function caseIn(stage: 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL'): Promise<HttpCase> {
    const fixture = pricingDispute();
    await importViaApi(api, cast.specialist, [fixture]);
    const c = await openCaseViaApi(api, cast.specialist, fixture);
    await caseViaApi(api, cast.specialist, c, 'INVESTIGATION', (d) => d.stage === 'INVESTIGATION');
    if (stage !== 'INVESTIGATION') await completeTasksViaApi(api, cast, c);
    if (stage === 'APPROVAL') {
      const res = await api.request('POST', `/api/disputes/${c.id}/resolution`, {
        token: cast.specialist.token,
        body: { type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP' },
      });
      expect(res.status).toBe(200);
    }
    return c;
  }

  const detailOf = async (c: CaseRef) => (await api.request('GET', `/api/disputes/${c.id}`, { token: cast.manager.token })).body;
  const whenAt = (c: CaseRef, what: string, done: (d: Json) => boolean) => caseViaApi(api, cast.manager, c, what, done);

  interface Target {
    path: string;
    /** What would change if the request were applied (compared before and after a refusal). */
    snapshot(): Promise<unknown>;
    /** After a success: the case keeps moving, and `text` (as the API trims it) reads back exactly. */
    moved(res: ApiResponse, field: string, text: string): Promise<void>;
  }

  interface BodyRoute {
    user: () => TestUser;
    body: () => Json;
    /** The route's other shapes (a union's other branches), each tried as `body` is. */
    otherBodies?: (() => Json)[];
    /** Where the request goes: for a refusal any target will do; for an acceptance, a fresh one in the right stage. */
    target(fresh: boolean): Promise<Target>;
  }

  const counts = async () =>
    (
      await api.db.pool.query(
        `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_comments)::int AS comments,
              (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM customers)::int AS customers,
              (SELECT count(*) FROM invoices)::int AS invoices`,
      )
    ).rows[0];

  /** A command on a case: the case's trail is what a refusal must leave alone. */
  function onCase(c: HttpCase, path: string, moved: Target['moved']): Target {
    return { path, snapshot: async () => (await detailOf(c)).events.length, moved };
  }

  let shared: Record<'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL', HttpCase> | undefined;
  async function sharedCase(stage: 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL'): Promise<HttpCase> {
    shared ??= { INVESTIGATION: await caseIn('INVESTIGATION'), RESOLUTION: await caseIn('RESOLUTION'), APPROVAL: await caseIn('APPROVAL') };
    return shared[stage];
  }
  const caseFor = (stage: 'INVESTIGATION' | 'RESOLUTION' | 'APPROVAL', fresh: boolean) => (fresh ? caseIn(stage) : sharedCase(stage));

  const bodiesOf = (spec: BodyRoute): Json[] => [spec.body(), ...(spec.otherBodies ?? []).map((body) => body())];

  const bodyRoutes: Record<string, BodyRoute> = {
    '/api/users': {
      user: () => admin,
      body: () => ({ name: 'New Person', role: 'ops', team: 'SALES_OPS' }),
      target: async () => ({
        path: '/api/users',
        snapshot: counts,
        moved: async (res, field, text) => {
          const me = await api.request('GET', '/api/me', { token: res.body.token });
          expect(me.body[field]).toBe(text);
        },
      }),
    },
    '/api/records/import': {
      user: () => cast.specialist,
      body: () => pricingDispute().records,
      target: async () => ({
        path: '/api/records/import',
        snapshot: counts,
        moved: async () => undefined, // checked by openingOnImported
      }),
    },
    '/api/disputes': {
      user: () => cast.specialist,
      body: () => ({ invoiceNumber: 'set per run', disputedAmount: '150.00', reasonCode: 'PRICING', description: 'as sent' }),
      otherBodies: [() => ({ reasonCode: 'PRICING', description: 'as sent', items: [{ invoiceNumber: 'set per run', lineNo: 1, disputedAmount: '150.00' }] })],
      target: async () => ({
        path: '/api/disputes',
        snapshot: counts,
        moved: async (res, field, text) => {
          const d = await whenAt(res.body, 'past EVIDENCE', (x) => x.stage !== 'EVIDENCE');
          expect(d.stage).toBe('INVESTIGATION');
          expect(field === 'description' ? d.description : d.invoiceNumber).toBe(text);
        },
      }),
    },
    '/api/disputes/:id/resolution': {
      user: () => cast.specialist,
      body: () => ({ type: 'CREDIT', amount: '100.00', rootCause: 'PRICING_SETUP', note: 'as sent' }),
      otherBodies: [
        () => ({ type: 'ADJUST', rootCause: 'PRICING_SETUP', note: 'as sent', adjustments: [{ kind: 'CREDIT', invoiceNumber: 'set per run', amount: '100.00' }] }),
      ],
      target: async (fresh) => {
        const c = await caseFor('RESOLUTION', fresh);
        return onCase(c, `/api/disputes/${c.id}/resolution`, async (_res, field, text) => {
          const d = await whenAt(c, 'APPROVAL', (x) => x.stage === 'APPROVAL');
          expect(d.resolution[field]).toBe(text);
        });
      },
    },
    '/api/disputes/:id/decision': {
      user: () => cast.manager,
      body: () => ({ decision: 'APPROVE', comment: 'as sent' }),
      target: async (fresh) => {
        const c = await caseFor('APPROVAL', fresh);
        return onCase(c, `/api/disputes/${c.id}/decision`, async (_res, _field, text) => {
          const d = await whenAt(c, 'CLOSED with its memo', (x) => x.status === 'CLOSED');
          expect(d.creditMemos).toHaveLength(1);
          expect(d.approvals[0].comment).toBe(text);
        });
      },
    },
    '/api/disputes/:id/cancel': {
      user: () => cast.specialist,
      body: () => ({ reason: 'as sent' }),
      target: async (fresh) => {
        const c = await caseFor('INVESTIGATION', fresh);
        return onCase(c, `/api/disputes/${c.id}/cancel`, async (_res, _field, text) => {
          const d = await whenAt(c, 'CANCELLED', (x) => x.status === 'CANCELLED');
          expect(d.events.at(-1)).toMatchObject({ type: 'CASE_CANCELLED', data: { reason: text } });
        });
      },
    },
    '/api/disputes/:id/retry-evidence': {
      user: () => cast.specialist,
      body: () => ({}),
      target: async () => {
        throw new Error('retry-evidence takes no text');
      },
    },
    '/api/disputes/:id/refresh-evidence': {
      user: () => cast.specialist,
      body: () => ({}),
      target: async () => {
        throw new Error('refresh-evidence takes no text');
      },
    },
    '/api/disputes/:id/assign': {
      user: () => cast.manager,
      body: () => ({ userId: cast.specialist2.id }),
      target: async () => {
        throw new Error('assign takes no text (its userId is a uuid)');
      },
    },
    '/api/disputes/:id/await-customer': {
      user: () => cast.specialist,
      body: () => ({ reason: 'as sent' }),
      target: async (fresh) => {
        const c = await caseFor('INVESTIGATION', fresh);
        return onCase(c, `/api/disputes/${c.id}/await-customer`, async (_res, _field, text) => {
          const d = await whenAt(c, 'waiting on the customer', (x) => x.customerWait !== null);
          expect(d.waitingOn).toBe('CUSTOMER');
          expect(d.customerWait.reason).toBe(text);
        });
      },
    },
    '/api/disputes/:id/resume': {
      user: () => cast.specialist,
      body: () => ({}),
      target: async () => {
        throw new Error('resume takes no text');
      },
    },
    '/api/disputes/:id/comments': {
      user: () => cast.specialist,
      body: () => ({ body: 'as sent' }),
      target: async () => {
        const c = await sharedCase('INVESTIGATION');
        return {
          path: `/api/disputes/${c.id}/comments`,
          snapshot: counts,
          moved: async (res, _field, text) => {
            expect(res.body.body).toBe(text);
            const page = await api.request('GET', `/api/disputes/${c.id}/comments?limit=200`, { token: cast.manager.token });
            expect(page.body.items.find((k: { id: string }) => k.id === res.body.id).body).toBe(text);
          },
        };
      },
    },
    '/api/tasks/:id/complete': {
      user: () => cast.salesOps,
      body: () => ({ outcome: 'CONFIRMED', note: 'as sent' }),
      target: async (fresh) => {
        const c = await caseFor('INVESTIGATION', fresh);
        const task = (await detailOf(c)).tasks.find((t: { status: string }) => t.status === 'OPEN');
        return onCase(c, `/api/tasks/${task.id}/complete`, async (_res, _field, text) => {
          const d = await whenAt(c, 'RESOLUTION', (x) => x.stage === 'RESOLUTION');
          expect(d.tasks[0].note).toBe(text);
        });
      },
    },
  };

  const moneyRows = async () =>
    (
      await api.db.pool.query(
        `SELECT (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM payment_applications)::int AS applications,
                (SELECT count(*) FROM unapplied_cash)::int AS unapplied, (SELECT count(*) FROM deductions)::int AS deductions`,
      )
    ).rows[0];
  bodyRoutes['/api/payments'] = {
    user: () => cast.specialist,
    body: () => ({
      payments: [
        {
          id: uniqueId('PAY'),
          customerId: paying.customerId,
          receivedAt: '2026-12-01T00:00:00Z',
          currency: 'USD',
          amount: '1.00',
          remittance: [
            {
              invoiceNumber: paying.invoiceNumber,
              paid: '1.00',
              deductions: [{ amount: '0.01', reasonCode: 'SHORT', reference: 'as sent', note: 'as sent' }],
            },
          ],
        },
      ],
    }),
    target: async () => ({
      path: '/api/payments',
      snapshot: moneyRows,
      moved: async (res, field, text) => {
        expect(res.body.payments).toBeLessThanOrEqual(1);
        const { rows } = await api.db.pool.query(
          `SELECT (SELECT count(*) FROM payments WHERE id = $1)::int AS payments,
                  (SELECT count(*) FROM deductions WHERE $1 IN (customer_code, reference, note))::int AS deductions,
                  (SELECT count(*) FROM unapplied_cash WHERE reference = $1)::int AS unapplied`,
          [text],
        );
        const where = { id: 'payments', reasonCode: 'deductions', reference: 'deductions', note: 'deductions', invoiceNumber: 'unapplied' }[field];
        expect({ field, found: where && rows[0][where] > 0 }).toEqual({ field, found: true });
      },
    }),
  };
  bodyRoutes['/api/unapplied-cash/:id/apply'] = {
    user: () => cast.specialist,
    body: () => ({ invoiceNumber: paying.invoiceNumber, amount: '0.01' }),
    target: async () => ({
      path: `/api/unapplied-cash/${unappliedId}/apply`,
      snapshot: moneyRows,
      // No invoice is numbered as random text: the answer is a 422 naming invoiceNumber, nothing to read back.
      moved: async () => undefined,
    }),
  };

  bodyRoutes['/api/users/:id'] = {
    user: () => admin,
    body: () => ({ name: 'Renamed Person', team: 'SALES_OPS' }),
    target: async () => {
      const person = await api.user('ops', { team: 'ORDER_MANAGEMENT' });
      return {
        path: `/api/users/${person.id}`,
        snapshot: async () =>
          (await api.db.pool.query('SELECT u.name, u.team, (SELECT count(*)::int FROM admin_events) AS events FROM users u WHERE u.id = $1', [person.id])).rows[0],
        moved: async (_res, field, text) => {
          const { rows } = await api.db.pool.query('SELECT name, team FROM users WHERE id = $1', [person.id]);
          expect(rows[0][field]).toBe(text);
        },
      };
    },
  };
  // No text in it (an id, two instants): listed so that the table is whole.
  bodyRoutes['/api/users/:id/delegations'] = {
    user: () => cast.manager,
    body: () => ({ delegateId: cast.manager2.id, from: '2030-01-01', until: '2030-01-02' }),
    target: async () => ({ path: `/api/users/${cast.manager.id}/delegations`, snapshot: counts, moved: async () => undefined }),
  };

  // A customer id is the customer's own text: an owner rule keeps it as sent.
  bodyRoutes['/api/routing'] = {
    user: () => admin,
    body: () => ({ rules: [{ findingCode: 'UNDERBILLED', team: 'SALES_OPS' }], owners: [{ customerId: uniqueId('CUST'), ownerId: cast.specialist.id }] }),
    target: async () => ({
      path: '/api/routing',
      snapshot: async () => (await api.db.pool.query('SELECT count(*)::int AS n FROM routing_versions')).rows[0].n,
      moved: async (res, field, text) => {
        if (field === 'owners.0.customerId') expect(res.body.owners.map((o: { customerId: string }) => o.customerId)).toEqual([text]);
      },
    }),
  };

  bodyRoutes['/api/reason-mappings/:customerId'] = {
    user: () => cast.specialist,
    body: () => ({ mappings: [{ code: 'SHORT', reasonCode: 'QUANTITY' }] }),
    target: async () => ({
      path: `/api/reason-mappings/${paying.customerId}`,
      snapshot: async () => (await api.db.pool.query('SELECT count(*)::int AS n FROM reason_mappings')).rows[0].n,
      moved: async (res, _field, text) => {
        const latest = await api.request('GET', `/api/reason-mappings/${paying.customerId}`, { token: cast.specialist.token });
        expect(latest.body).toEqual(res.body);
        expect(latest.body.mappings.map((m: { code: string }) => m.code)).toEqual([text]);
      },
    }),
  };

  /** An import that was accepted: a case opened on its invoice keeps moving. */
  async function openingOnImported(records: Json): Promise<void> {
    const res = await api.request('POST', '/api/disputes', {
      token: cast.specialist.token,
      body: { invoiceNumber: records.invoices[0].number.trim(), disputedAmount: '1.00', reasonCode: 'OTHER' },
    });
    expect(res.status).toBe(201);
    await whenAt(res.body, 'past EVIDENCE', (d) => d.stage !== 'EVIDENCE');
  }

  const document = openApiDocument() as Json;
  const operation = (method: string, path: string): Json => document.paths[path.replace(/:(\w+)/g, '{$1}')][method];
  const tally: Record<string, { refused: number; accepted: number }> = {};

  describe('every free-text and id field of every body route', () => {
    // JSON bodies: an XML body (a bank's camt.054 file) has no fields of this document; it is tried below.
    const table = routes.filter((r) => r.body && r.bodyMedia !== 'xml');

    it('has an accepted request for each body route, naming every text field its document has', () => {
      expect(table.map((r) => r.path).filter((p) => !(p in bodyRoutes))).toEqual([]);
      for (const route of table) {
        const schema = operation(route.method, route.path).requestBody.content['application/json'].schema;
        const examples = bodiesOf(bodyRoutes[route.path]);
        const inExample = examples.flatMap((body) => [...textFieldsOf(schema, body).keys()]).map((p) => p.replace(/\.\d+/g, '.0'));
        expect({ route: route.path, fields: [...documentedTextFields(schema)].filter((f) => !inExample.includes(f)) }).toEqual({ route: route.path, fields: [] });
      }
    });

    const textless = ['/api/disputes/:id/retry-evidence', '/api/disputes/:id/refresh-evidence', '/api/disputes/:id/assign', '/api/disputes/:id/resume', '/api/users/:id/delegations'];
    it.each(table.filter((r) => !textless.includes(r.path)).map((r) => [r.path, r]))(
      '%s: a 400 naming the field, or accepted and the case keeps moving',
      async (path, route) => {
        const spec = bodyRoutes[path];
        const schema = operation(route.method, route.path).requestBody.content['application/json'].schema;
        const fields = bodiesOf(spec).flatMap((body, shape) => [...textFieldsOf(schema, body).keys()].map((field): [number, string] => [shape, field]));
        tally[path] = { refused: 0, accepted: 0 };
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...fields), unicodeText, async ([shape, field], text) => {
            let body = bodiesOf(spec)[shape];
            if (path === '/api/disputes') {
              const fixture = pricingDispute();
              await importViaApi(api, cast.specialist, [fixture]);
              body = body.items
                ? { ...body, items: [{ ...body.items[0], invoiceNumber: fixture.invoiceNumber }] }
                : { ...body, invoiceNumber: fixture.invoiceNumber };
            }
            const fieldSchema = textFieldsOf(schema, body).get(field)!;
            const accepted = takes(fieldSchema, text);
            const target = await spec.target(accepted);
            if (path === '/api/disputes/:id/resolution' && body.adjustments) {
              // An adjustment names an invoice of its case: the case the target made.
              const d = (await api.request('GET', target.path.replace(/\/resolution$/, ''), { token: cast.specialist.token })).body;
              body = { ...body, adjustments: [{ ...body.adjustments[0], invoiceNumber: d.invoiceNumber }] };
            }
            const before = await target.snapshot();
            const sent = withValue(body, field, text);
            // JSON.stringify writes a lone surrogate as its "\ud800" escape: the raw body carries it as a client would.
            const res = await api.request(route.method, target.path, { token: spec.user().token, rawBody: JSON.stringify(sent) });
            expect(res.status).toBeLessThan(500);
            if (!accepted) {
              tally[path].refused++;
              expect({ field, status: res.status, named: named(res) }).toEqual({ field, status: 400, named: expect.arrayContaining([field]) });
              expect(await target.snapshot()).toEqual(before);
              return;
            }
            tally[path].accepted++;
            // An id the records do not know (a team, a customer) is a business refusal naming a field.
            if (res.status === 422 && fieldSchema.allOf) {
              expect(named(res).length).toBeGreaterThan(0);
              return;
            }
            expect({ field, status: res.status, body: res.status < 300 ? null : res.body }).toEqual({ field, status: route.success.status, body: null });
            if (path === '/api/records/import') await openingOnImported(sent);
            else await target.moved(res, field.split('.').at(-1)!, text.trim());
          }),
          { numRuns: BODY_RUNS, endOnFailure: true, examples: [[fields[0], REFUSED], [fields[fields.length - 1], ACCEPTED]] },
        );
        expect(tally[path].refused).toBeGreaterThan(0);
        expect(tally[path].accepted).toBeGreaterThan(0);
      },
      120_000,
    );
  });

  describe('POST /api/payments/camt054: text in a bank file', () => {
    const file = camt054Fixture('ustrd-only.v08.xml');
    const xmlEscaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const withName = (name: string) => file.replace('<Nm>Smith Hardware</Nm>', `<Nm>${name}</Nm>`);
    const post = (bytes: string | Uint8Array) =>
      api.request('POST', '/api/payments/camt054', { token: cast.specialist.token, rawBody: bytes, headers: { 'content-type': 'application/xml' } });

    it.each([
      ['a NUL byte', Buffer.from(withName('Smith\u0000Hardware'), 'utf8'), '(body)'],
      ['a NUL as a character reference', withName('Smith&#0;Hardware'), 'Document'],
      ['a lone surrogate as UTF-8 bytes', Buffer.from(withName('Smith\u0001').replace('\u0001', '\u00ed\u00a0\u0080'), 'latin1'), '(body)'],
      ['a lone surrogate as a character reference', withName('Smith&#xD800;'), 'Document'],
    ] as const)('%s: a 400, nothing written', async (_name, bytes, field) => {
      const before = await moneyRows();
      const res = await post(bytes);
      // A character reference to what XML does not allow leaves the file not well-formed: the whole Document is named.
      expect({ status: res.status, named: named(res) }).toEqual({ status: 400, named: [field] });
      expect(await moneyRows()).toEqual(before);
    });

    it('any text in the debtor name (its XSD: 1 to 140 characters): a 200 or a 400, never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(unicodeText, async (text) => {
          const before = await moneyRows();
          // Ids from the text, so that each run posts payments of its own.
          const xml = withName(xmlEscaped(text)).replace(/NTF-USTRD/g, uniqueId('NTF'));
          const res = await post(xml);
          expect([200, 400]).toContain(res.status);
          if (res.status === 400) expect(await moneyRows()).toEqual(before);
        }),
        { numRuns: BODY_RUNS, endOnFailure: true, examples: [[REFUSED], [ACCEPTED]] },
      );
    }, 120_000);
  });

  describe('every text parameter of every GET route', () => {
    let commentCase: HttpCase;
    beforeAll(async () => {
      commentCase = await sharedCase('INVESTIGATION');
    }, 60_000);

    const parameters = routes
      .filter((r) => r.method === 'get' && r.query && r.roles !== 'public')
      .flatMap((r) =>
        (operation('get', r.path).parameters as Json[])
          .filter((p) => p.in === 'query' && isText(p.schema))
          .map((p): [string, string, Json, readonly Role[]] => [`${r.path}?${p.name}`, r.path, p, r.roles as readonly Role[]]),
      );

    it('has text parameters to try', () => {
      expect(parameters.map(([name]) => name)).toEqual(expect.arrayContaining(['/api/invoices?customer', '/api/disputes?customerId', '/api/tasks?team', '/api/disputes/:id/comments?cursor']));
    });

    it.each(parameters)('GET %s: a 400 (422 for a cursor) naming the parameter, or answered', async (_name, path, parameter, roles) => {
      const url = path.replace(':id', () => commentCase.id);
      // A manager where the route admits one; the routes for admins and auditors only (the import trail) get an auditor.
      // The money worklist admits neither: its first role.
      const token = roles.includes('manager')
        ? cast.manager.token
        : (await createUser(api.db.pool, roles.includes('auditor') ? 'auditor' : roles[0])).token;
      await fc.assert(
        fc.asyncProperty(unicodeText, async (text) => {
          const { encoded, asDecoded } = percentEncoded(text);
          const res = await api.request('GET', `${url}?${parameter.name}=${encoded}`, { token });
          expect(res.status).toBeLessThan(500);
          if (!takes(parameter.schema, asDecoded)) {
            expect({ status: res.status, named: [...new Set(named(res))] }).toEqual({ status: 400, named: [parameter.name] });
          } else if (parameter.name === 'cursor') {
            // Any text the document allows, but only what the API gave out is a cursor.
            expect({ status: res.status, named: named(res) }).toEqual({ status: 422, named: ['cursor'] });
          } else if (PICKS_ONE_OF_THE_CASE.includes(`${path}?${parameter.name}`)) {
            // It names one of the case's records, which no random text is: not found, said as sent.
            expect({ status: res.status, message: res.body.error?.message }).toEqual({ status: 404, message: expect.stringContaining(asDecoded.trim()) });
          } else {
            expect({ status: res.status, body: res.status === 200 ? null : res.body }).toEqual({ status: 200, body: null });
          }
        }),
        { numRuns: QUERY_RUNS, endOnFailure: true, examples: [['a\u0000b'], [ACCEPTED]] },
      );
    });
  });

  describe("the finding's reproductions, through HTTP", () => {
    it('refuses a description with a lone surrogate, a task note ending in half an emoji and such a comment, storing nothing', async () => {
      const c = await sharedCase('INVESTIGATION');
      const task = (await detailOf(c)).tasks.find((t: { status: string }) => t.status === 'OPEN');
      const fixture = pricingDispute();
      await importViaApi(api, cast.specialist, [fixture]);
      const before = await counts();
      const requests: [string, TestUser, string, string][] = [
        ['/api/disputes', cast.specialist, `{"invoiceNumber":"${fixture.invoiceNumber}","disputedAmount":"1.00","reasonCode":"OTHER","description":"x\\ud800y"}`, 'description'],
        [`/api/tasks/${task.id}/complete`, cast.salesOps, '{"outcome":"CONFIRMED","note":"checked \\ud83d"}', 'note'],
        [`/api/disputes/${c.id}/comments`, cast.salesOps, '{"body":"before \\udc00 after"}', 'body'],
      ];
      for (const [path, user, rawBody, field] of requests) {
        const res = await api.request('POST', path, { token: user.token, rawBody });
        expect({ path, status: res.status, named: named(res) }).toEqual({ path, status: 400, named: [field] });
      }
      expect(await counts()).toEqual(before);
      const { rows } = await api.db.pool.query(`SELECT count(*)::int AS n FROM case_comments WHERE body LIKE '%' || chr(65533) || '%'`);
      expect(rows[0].n).toBe(0);
    });
  });

  it('finishes the cases in flight and those the runs opened, and every invariant holds, no activity retried in a loop', async () => {
    // Ten of the cases in flight to their memos, everything else still open cancelled.
    await mapLimit(inFlight.slice(0, 10), 5, (c) => driveToMemoViaApi(api, cast, c));
    const { rows: open } = await api.db.pool.query(`SELECT id, case_number AS "caseNumber" FROM cases WHERE status = 'OPEN'`);
    await mapLimit(open, 5, async (c: CaseRef) => {
      const res = await api.request('POST', `/api/disputes/${c.id}/cancel`, { token: cast.manager.token, body: { reason: 'end of the run' } });
      expect(res.status).toBe(200);
    });
    const report = await expectInvariants(api.db.pool, { temporal: api.temporal, allClosed: true });
    expect(report.memos).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
