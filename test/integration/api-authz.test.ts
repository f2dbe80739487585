// Authentication and authorisation, generated from the route table: every /api route × every role, every /api
// route without or with a bad token. None of these requests may reach Temporal.
import { randomUUID } from 'node:crypto';
import { routes } from '../../api/routes';
import { ROLES, type Role } from '../../domain/types';
import type { Route } from '../../api/route';
import { startApi, type ApiHarness, type RequestOptions } from '../support/api';
import { NOT_BLANK, NO_BIDI_CONTROLS, VISIBLE } from '../../contract';
import { pricingDispute, type TestUser } from '../../testkit/fixtures';

let api: ApiHarness;
const users = {} as Record<Role, TestUser>;
const temporalCalls: string[] = [];

beforeAll(async () => {
  api = await startApi();
  for (const role of ROLES) {
    users[role] = await api.user(role, role === 'ops' ? { team: 'SALES_OPS' } : role === 'manager' ? { approvalLimit: '100.00' } : {});
  }
  // Any Temporal call made by a refused request would show up here.
  const workflow = api.temporal.workflow;
  for (const method of ['start', 'getHandle', 'signalWithStart', 'executeUpdateWithStart'] as const) {
    const original = workflow[method].bind(workflow) as (...args: unknown[]) => unknown;
    jest.spyOn(workflow, method).mockImplementation(((...args: unknown[]) => {
      temporalCalls.push(method);
      return original(...args);
    }) as never);
  }
});

afterAll(async () => {
  jest.restoreAllMocks();
  await api?.close();
});

const apiRoutes = routes.filter((r) => r.roles !== 'public');
/** The route's path with every parameter filled by a fresh id. */
const pathOf = (path: string) => path.replace(/:(\w+)/g, () => randomUUID());
/** A body of the route's media type, to be refused or not only for who sends it (an XML body: not a camt.054, a 400). */
const bodyOf = (route: Route): RequestOptions =>
  route.method === 'get' ? {} : route.bodyMedia === 'xml' ? { rawBody: '<Document/>', headers: { 'content-type': 'application/xml' } } : { body: {} };

describe('the role matrix of every /api route', () => {
  const cases = apiRoutes.flatMap((route) =>
    ROLES.map((role) => ({ route, role, allowed: (route.roles as readonly Role[]).includes(role) })),
  );

  it.each(cases.map((c) => [`${c.route.method.toUpperCase()} ${c.route.path} as ${c.role}: ${c.allowed ? 'allowed' : '403'}`, c]))(
    '%s',
    async (_name, { route, role, allowed }) => {
      const res = await api.request(route.method, pathOf(route.path), { ...bodyOf(route), token: users[role].token });
      if (allowed) {
        expect([401, 403]).not.toContain(res.status);
        expect(res.status).toBeLessThan(500);
      } else {
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    },
  );
});

describe('authentication on every /api route', () => {
  it.each(apiRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r]))('%s: no token, malformed, unknown → 401', async (_name, route) => {
    const path = pathOf(route.path);
    const body = bodyOf(route);
    const missing = await api.request(route.method, path, body);
    const malformed = await api.request(route.method, path, { ...body, headers: { ...body.headers, authorization: 'Basic YWRtaW46YWRtaW4=' } });
    const unknown = await api.request(route.method, path, { ...body, token: 'not-a-real-token' });
    for (const res of [missing, malformed, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('refuses a revoked token, and only admins revoke', async () => {
    const victim = await api.user('specialist');
    expect((await api.request('GET', '/api/me', { token: victim.token })).status).toBe(200);
    const denied = await api.request('POST', `/api/users/${victim.id}/revoke`, { token: users.manager.token });
    expect(denied.status).toBe(403);
    const revoked = await api.request('POST', `/api/users/${victim.id}/revoke`, { token: users.admin.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await api.request('GET', '/api/me', { token: victim.token });
    expect(after.status).toBe(401);
    const command = await api.request('POST', `/api/disputes/${randomUUID()}/cancel`, { token: victim.token, body: { reason: 'x' } });
    expect(command.status).toBe(401);
  });

  it('a body is not even read before the token is checked', async () => {
    const res = await api.request('POST', '/api/disputes', { rawBody: '{not json' });
    expect(res.status).toBe(401);
  });

  it('made no Temporal call for any refused request', () => {
    expect(temporalCalls).toEqual([]);
  });
});

describe('team scoping for ops', () => {
  it('ops cannot list another team’s tasks or cases, and see their own', async () => {
    const own = await api.request('GET', '/api/tasks', { token: users.ops.token });
    expect(own.status).toBe(200);
    const other = await api.request('GET', '/api/tasks?team=ORDER_MANAGEMENT', { token: users.ops.token });
    expect(other.status).toBe(403);
    const otherCases = await api.request('GET', '/api/disputes?team=ORDER_MANAGEMENT', { token: users.ops.token });
    expect(otherCases.status).toBe(403);
    const specialistView = await api.request('GET', '/api/tasks?team=ORDER_MANAGEMENT', { token: users.specialist.token });
    expect(specialistView.status).toBe(200);
  });
});

describe("who reads a manager's approval limit on the trail", () => {
  it('managers and auditors do; specialists and ops read the decision without it, and the trail keeps it', async () => {
    // A decided case in the read model, written straight in SQL (no workflow: this is about the read).
    const fixture = pricingDispute();
    expect((await api.request('POST', '/api/records/import', { token: users.specialist.token, body: fixture.records })).status).toBe(200);
    const { rows } = await api.db.pool.query(
      `INSERT INTO cases (id, case_number, workflow_id, invoice_number, customer_id, currency, disputed_minor, reason_code,
                          opened_by, opened_at, stage_entered_at)
       VALUES (gen_random_uuid(), 'DSP-LIMIT-1', 'dispute:DSP-LIMIT-1', $1, $2, 'USD', 10000, 'PRICING', $3, now(), now())
       RETURNING id`,
      [fixture.invoiceNumber, fixture.customerId, users.specialist.id],
    );
    const caseId = rows[0].id;
    await api.db.pool.query(`INSERT INTO case_items (case_id, ordinal, invoice_number, disputed_minor) VALUES ($1, 0, $2, 10000)`, [
      caseId,
      fixture.invoiceNumber,
    ]);
    await api.db.pool.query(
      `INSERT INTO tasks (id, case_id, team, title, finding_codes, created_at, due_at)
       VALUES (gen_random_uuid(), $1, 'SALES_OPS', 't', '{PRICE_VARIANCE}', now(), now() + interval '1 day')`,
      [caseId],
    );
    const decided = { approvalId: randomUUID(), resolutionId: randomUUID(), decision: 'APPROVE', comment: null, amount: '50.00', approverLimit: '100.00' };
    await api.db.pool.query(
      `INSERT INTO case_events (case_id, seq, at, actor_id, actor_name, type, data) VALUES ($1, 1, now(), $2, 'm', 'RESOLUTION_DECIDED', $3)`,
      [caseId, users.manager.id, JSON.stringify(decided)],
    );
    const trailAs = async (role: Role) => {
      const res = await api.request('GET', `/api/disputes/${caseId}`, { token: users[role].token });
      expect(res.status).toBe(200);
      return res.body.events.find((e: { type: string }) => e.type === 'RESOLUTION_DECIDED').data;
    };
    expect(await trailAs('manager')).toEqual(decided);
    expect(await trailAs('auditor')).toEqual(decided);
    const { approverLimit: _limit, ...withoutLimit } = decided;
    expect(await trailAs('specialist')).toEqual(withoutLimit);
    expect(await trailAs('ops')).toEqual(withoutLimit);
    const { rows: stored } = await api.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1`, [caseId]);
    expect(stored[0].data).toEqual(decided);
  });
});

describe('public routes', () => {
  it('GET /health answers 200 when PostgreSQL and Temporal do', async () => {
    const res = await api.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok', workers: expect.any(Number) });
  });

  it('GET /openapi.json documents every route of the table, its inputs, errors and security', async () => {
    const res = await api.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    for (const route of routes) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(op).toBeDefined();
      expect(op.responses[String(route.success.status)]).toBeDefined();
      if (route.roles !== 'public') {
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(op.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
        expect(op['x-roles']).toEqual(route.roles);
      }
      if (route.body && route.bodyMedia === 'xml') {
        // One document, as text: its schema is its XSD, which the route checks.
        expect(Object.keys(op.requestBody.content)).toEqual(['application/xml', 'text/xml']);
        expect(op.requestBody.content['application/xml'].schema).toEqual(expect.objectContaining({ type: 'string' }));
        expect(op.responses['400']).toBeDefined();
        expect(op.responses['413'].description).toBe('The body is larger than 16 MB');
      } else if (route.body) {
        // An object, or one of several (a body whose fields depend on its type or role).
        const schema = op.requestBody.content['application/json'].schema;
        const shapes: { type?: string }[] = schema.oneOf ?? schema.anyOf ?? [schema];
        expect(shapes.map((shape) => shape.type)).toEqual(shapes.map(() => 'object'));
        expect(op.responses['400']).toBeDefined();
        expect(op.responses['413']).toBeDefined();
      }
      for (const name of route.path.match(/:(\w+)/g) ?? []) {
        expect(op.parameters).toContainEqual(expect.objectContaining({ name: name.slice(1), in: 'path', required: true }));
      }
    }
    const listParams = doc.paths['/api/disputes'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['status', 'stage', 'team', 'customerId', 'reasonCode', 'limit', 'cursor']));
    const decision = doc.paths['/api/disputes/{id}/decision'].post.requestBody.content['application/json'].schema;
    expect(decision.additionalProperties).toBe(false);
    expect(Object.keys(decision.properties)).not.toContain('amount');
  });

  it('GET /openapi.json states that ids and names must show and hold no bidirectional control; free text may', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body;
    const idRule = [{ pattern: VISIBLE.source }, { pattern: NO_BIDI_CONTROLS.source }];
    // The opening is one whole invoice (v1) or items: the invoice number is an id in both.
    const [whole, byItems] = doc.paths['/api/disputes'].post.requestBody.content['application/json'].schema.anyOf;
    expect(whole.properties.invoiceNumber.allOf).toEqual(idRule);
    expect(byItems.properties.items.items.properties.invoiceNumber.allOf).toEqual(idRule);
    for (const opening of [whole, byItems]) expect(JSON.stringify(opening.properties.description)).not.toContain('pattern');
    const customer = doc.paths['/api/records/import'].post.requestBody.content['application/json'].schema.properties.customers.items;
    expect(customer.properties.id.allOf).toEqual(idRule);
    expect(customer.properties.name.allOf).toEqual(idRule);
    const team = doc.paths['/api/tasks'].get.parameters.find((p: { name: string }) => p.name === 'team');
    expect(team.schema.allOf).toEqual(idRule);
    const comment = doc.paths['/api/disputes/{id}/comments'].post.requestBody.content['application/json'].schema.properties.body;
    expect(comment.pattern).toBe(NOT_BLANK.source);
  });

  it('unknown routes answer 404 in the error shape', async () => {
    const res = await api.request('GET', '/api/nothing-here', { token: users.admin.token });
    expect(res.status).toBe(404);
  });
});
