// THE route table. Every route is declared here once, as data: the express router, /openapi.json and the
// authorisation tests are all generated from it. Handlers stay thin: the parsed input goes to a use case.
import { z } from 'zod';
import { ROLES } from '../domain/types';
import { buildOpenApi } from './openapi';
import { publicRoute, route, type Route } from './route';
import {
  cancelRequest,
  commentListQuery,
  commentListResponse,
  commentOut,
  commentRequest,
  commandResponse,
  completeTaskRequest,
  cycleTimeQuery,
  cycleTimeResponse,
  decisionRequest,
  disputeDetail,
  disputeListQuery,
  disputeListResponse,
  evidenceOut,
  healthResponse,
  idParams,
  idempotencyHeaders,
  importResponse,
  invoiceListQuery,
  invoiceListResponse,
  invoiceParams,
  invoiceResponse,
  meResponse,
  openDisputeRequest,
  openDisputeResponse,
  overviewQuery,
  overviewResponse,
  recordsImportSchema,
  resolutionRequest,
  retryEvidenceRequest,
  taskCommandResponse,
  uuidParams,
  taskListQuery,
  taskListResponse,
  userCreatedResponse,
  userRequest,
  userRevokedResponse,
  webConfigResponse,
} from './schemas';
import { cancel, decide, getDispute, listDisputes, openDispute, proposeResolution, retryEvidence } from './use-cases/disputes';
import { addComment, listComments } from './use-cases/comments';
import { getInvoice, getInvoiceEvidence, listInvoices } from './use-cases/invoices';
import { importRecords } from './use-cases/records';
import { cycleTimeReport, overviewReport } from './use-cases/reports';
import { completeTask, listTasks } from './use-cases/tasks';
import { createUser, revokeUser } from './use-cases/users';

const CASE_READERS = ['specialist', 'manager', 'auditor', 'ops'] as const;

export const routes: readonly Route[] = [
  // ------------------------------------------------------------ operations (no token; throttled per client address)
  // GET /metrics is not part of the API: api/metrics-endpoint.ts.
  publicRoute({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Whether PostgreSQL and Temporal answer',
    tag: 'operations',
    roles: 'public',
    success: { status: 200, schema: healthResponse, description: 'Both answer' },
    alternate: { status: 503, description: 'At least one does not answer; the body says which' },
    handler: async ({ deps, setStatus }) => {
      const health = await deps.health();
      if (health.status !== 'ok') setStatus(503);
      return health;
    },
  }),
  publicRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'operations',
    roles: 'public',
    success: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'The OpenAPI 3.1 document' },
    handler: async () => openApiDocument(),
  }),

  // ------------------------------------------------------------ people
  route({
    method: 'post',
    path: '/api/users',
    operationId: 'createUser',
    summary: 'Create a user and answer their bearer token (shown once)',
    tag: 'users',
    roles: ['admin'],
    body: userRequest,
    success: { status: 201, schema: userCreatedResponse, description: 'The user, with their token' },
    errors: [422],
    handler: ({ deps, body }) => createUser(deps.pool, deps.teams, body),
  }),
  route({
    method: 'post',
    path: '/api/users/:id/revoke',
    operationId: 'revokeUser',
    summary: "Revoke a user's token",
    tag: 'users',
    roles: ['admin'],
    params: uuidParams,
    success: { status: 200, schema: userRevokedResponse, description: 'The user, revoked' },
    errors: [404, 409],
    handler: ({ deps, user, params }) => revokeUser(deps.pool, user, params.id),
  }),
  route({
    method: 'get',
    path: '/api/me',
    operationId: 'me',
    summary: 'Who the token belongs to',
    tag: 'users',
    roles: ROLES,
    success: { status: 200, schema: meResponse, description: 'The authenticated user' },
    handler: async ({ user }) => user,
  }),
  route({
    method: 'get',
    path: '/api/config',
    operationId: 'webConfig',
    summary: 'What the web UI needs to know about this deployment (where the Temporal Web UI is)',
    tag: 'users',
    roles: ROLES,
    success: { status: 200, schema: webConfigResponse, description: 'The settings' },
    handler: async ({ deps }) => ({
      temporalUi: deps.temporalUiUrl ? { url: deps.temporalUiUrl, namespace: deps.temporal.options.namespace } : null,
    }),
  }),

  // ------------------------------------------------------------ records
  route({
    method: 'post',
    path: '/api/records/import',
    operationId: 'importRecords',
    summary: 'Upsert source records by id, all or nothing',
    tag: 'records',
    roles: ['admin', 'specialist'],
    body: recordsImportSchema,
    success: { status: 200, schema: importResponse, description: 'How many records of each kind were upserted' },
    errors: [422],
    handler: async ({ deps, body }) => ({ imported: await importRecords(deps.pool, body) }),
  }),
  route({
    method: 'get',
    path: '/api/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices by number prefix or customer, newest first, keyset-paged',
    tag: 'records',
    roles: ['admin', 'specialist', 'manager', 'auditor'],
    query: invoiceListQuery,
    success: { status: 200, schema: invoiceListResponse, description: 'A page of invoices' },
    errors: [422],
    handler: ({ deps, query }) => listInvoices(deps.pool, query),
  }),
  route({
    method: 'get',
    path: '/api/invoices/:number/evidence',
    operationId: 'getInvoiceEvidence',
    summary: "The invoice's PO, contract in force and work orders, as a case opened on it would collect them",
    tag: 'records',
    roles: ['admin', 'specialist', 'manager', 'auditor'],
    params: invoiceParams,
    success: { status: 200, schema: evidenceOut, description: 'The records around the invoice' },
    errors: [404, 422],
    handler: ({ deps, params }) => getInvoiceEvidence(deps.pool, params.number),
  }),
  route({
    method: 'get',
    path: '/api/invoices/:number',
    operationId: 'getInvoice',
    summary: 'An invoice, its open balance and its credit memos',
    tag: 'records',
    roles: ['admin', 'specialist', 'manager', 'auditor'],
    params: invoiceParams,
    success: { status: 200, schema: invoiceResponse, description: 'The invoice' },
    errors: [404],
    handler: ({ deps, params }) => getInvoice(deps.pool, params.number),
  }),

  // ------------------------------------------------------------ disputes
  route({
    method: 'post',
    path: '/api/disputes',
    operationId: 'openDispute',
    summary: 'Open a dispute case (starts its workflow)',
    description: 'With an Idempotency-Key, the same key and body again answers the same case; another body 409.',
    tag: 'disputes',
    roles: ['specialist'],
    body: openDisputeRequest,
    headers: idempotencyHeaders,
    success: { status: 201, schema: openDisputeResponse, description: 'The case' },
    errors: [409, 422],
    handler: async ({ deps, user, body, headers, touchCase }) => {
      const { opened } = await openDispute(deps, user, body, headers['Idempotency-Key']);
      touchCase(opened.workflowId);
      return opened;
    },
  }),
  route({
    method: 'get',
    path: '/api/disputes',
    operationId: 'listDisputes',
    summary: 'Cases, newest first, keyset-paged',
    description: 'ops users only see cases with a task for their team.',
    tag: 'disputes',
    roles: CASE_READERS,
    query: disputeListQuery,
    success: { status: 200, schema: disputeListResponse, description: 'A page of cases' },
    errors: [422],
    handler: ({ deps, user, query }) => listDisputes(deps.pool, user, query),
  }),
  route({
    method: 'get',
    path: '/api/disputes/:id',
    operationId: 'getDispute',
    summary: 'A case with its findings, tasks, resolution, approvals, memos and trail',
    description: 'ops users get 404 for a case without a task for their team.',
    tag: 'disputes',
    roles: CASE_READERS,
    params: idParams,
    success: { status: 200, schema: disputeDetail, description: 'The case' },
    errors: [404],
    handler: async ({ deps, user, params, touchCase }) => {
      const found = await getDispute(deps.pool, params.id, user);
      touchCase(found.workflowId);
      return found;
    },
  }),
  route({
    method: 'post',
    path: '/api/disputes/:id/resolution',
    operationId: 'proposeResolution',
    summary: 'Propose CREDIT (with amount) or NO_CREDIT; only in stage RESOLUTION',
    tag: 'disputes',
    roles: ['specialist'],
    params: idParams,
    body: resolutionRequest,
    headers: idempotencyHeaders,
    success: { status: 200, schema: commandResponse, description: 'The case after the proposal' },
    errors: [404, 409, 422],
    handler: ({ deps, user, params, body, headers, touchCase }) =>
      proposeResolution({ deps, user, ref: params.id, idempotencyKey: headers['Idempotency-Key'], touchCase }, body),
  }),
  route({
    method: 'post',
    path: '/api/disputes/:id/decision',
    operationId: 'decide',
    summary: 'Approve or reject the proposed credit; only in stage APPROVAL',
    description: '403 when you proposed it or the amount is over your approval limit.',
    tag: 'disputes',
    roles: ['manager'],
    params: idParams,
    body: decisionRequest,
    headers: idempotencyHeaders,
    success: { status: 200, schema: commandResponse, description: 'The case after the decision' },
    errors: [404, 409],
    handler: ({ deps, user, params, body, headers, touchCase }) =>
      decide({ deps, user, ref: params.id, idempotencyKey: headers['Idempotency-Key'], touchCase }, body),
  }),
  route({
    method: 'post',
    path: '/api/disputes/:id/cancel',
    operationId: 'cancelDispute',
    summary: 'Cancel an open case; its open tasks are cancelled',
    tag: 'disputes',
    roles: ['specialist', 'manager'],
    params: idParams,
    body: cancelRequest,
    headers: idempotencyHeaders,
    success: { status: 200, schema: commandResponse, description: 'The cancelled case' },
    errors: [404, 409],
    handler: ({ deps, user, params, body, headers, touchCase }) =>
      cancel({ deps, user, ref: params.id, idempotencyKey: headers['Idempotency-Key'], touchCase }, body),
  }),

  route({
    method: 'post',
    path: '/api/disputes/:id/retry-evidence',
    operationId: 'retryEvidence',
    summary: 'Pull the evidence again after a malformed source record was fixed (the case shows evidenceError)',
    tag: 'disputes',
    roles: ['specialist', 'manager'],
    params: idParams,
    body: retryEvidenceRequest,
    headers: idempotencyHeaders,
    success: { status: 200, schema: commandResponse, description: 'The case, collecting its evidence again' },
    errors: [404, 409],
    handler: ({ deps, user, params, headers, touchCase }) =>
      retryEvidence({ deps, user, ref: params.id, idempotencyKey: headers['Idempotency-Key'], touchCase }),
  }),

  route({
    method: 'post',
    path: '/api/disputes/:id/comments',
    operationId: 'addComment',
    summary: 'A note on the case (kept in PostgreSQL, never in the workflow history)',
    description: 'ops users get 404 for a case without a task for their team.',
    tag: 'disputes',
    roles: ['specialist', 'manager', 'ops'],
    params: idParams,
    body: commentRequest,
    success: { status: 201, schema: commentOut, description: 'The comment' },
    errors: [404],
    handler: ({ deps, user, params, body }) => addComment(deps.pool, user, params.id, body),
  }),
  route({
    method: 'get',
    path: '/api/disputes/:id/comments',
    operationId: 'listComments',
    summary: "The case's comments, oldest first, a page at a time",
    description: 'ops users get 404 for a case without a task for their team.',
    tag: 'disputes',
    roles: CASE_READERS,
    params: idParams,
    query: commentListQuery,
    success: { status: 200, schema: commentListResponse, description: 'A page of comments' },
    errors: [404, 422],
    handler: ({ deps, user, params, query }) => listComments(deps.pool, user, params.id, query),
  }),

  // ------------------------------------------------------------ tasks
  route({
    method: 'get',
    path: '/api/tasks',
    operationId: 'listTasks',
    summary: 'Investigation tasks: open ones first, earliest due first',
    description: 'ops users see their own team only (another team: 403).',
    tag: 'tasks',
    roles: ['ops', 'specialist', 'manager'],
    query: taskListQuery,
    success: { status: 200, schema: taskListResponse, description: 'A page of tasks' },
    errors: [422],
    handler: ({ deps, user, query }) => listTasks(deps.pool, user, query),
  }),
  route({
    method: 'post',
    path: '/api/tasks/:id/complete',
    operationId: 'completeTask',
    summary: "Complete an open task of your team's",
    tag: 'tasks',
    roles: ['ops'],
    params: uuidParams,
    body: completeTaskRequest,
    headers: idempotencyHeaders,
    success: { status: 200, schema: taskCommandResponse, description: 'The case after the task' },
    errors: [404, 409],
    handler: ({ deps, user, params, body, headers, touchCase }) =>
      completeTask(deps, user, params.id, body, headers['Idempotency-Key'], touchCase),
  }),

  // ------------------------------------------------------------ reports
  route({
    method: 'get',
    path: '/api/reports/cycle-time',
    operationId: 'cycleTimeReport',
    summary: 'Cycle time, stage time and aging of the cases opened in [from, to]',
    tag: 'reports',
    roles: ['manager', 'auditor'],
    query: cycleTimeQuery,
    success: { status: 200, schema: cycleTimeResponse, description: 'The report' },
    errors: [422],
    handler: ({ deps, query }) => cycleTimeReport(deps.pool, query),
  }),
  route({
    method: 'get',
    path: '/api/reports/overview',
    operationId: 'overviewReport',
    summary: 'Open cases by stage and age, open and overdue tasks by team, cases opened and closed per week',
    tag: 'reports',
    roles: ['manager', 'auditor'],
    query: overviewQuery,
    success: { status: 200, schema: overviewResponse, description: 'The report' },
    handler: ({ deps, query }) => overviewReport(deps.pool, deps.teams, query),
  }),
];

let document: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApi(routes, { title: 'ar-dispute-engine', version: '0.1.0' });
  return document;
}
