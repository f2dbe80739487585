// THE route table. Every route is declared here once, as data: the express router, /openapi.json and the
// authorisation tests are all generated from it. Handlers stay thin: the parsed input goes to a use case.
import { z } from 'zod';
import { CASE_READERS, CASH_APPLIERS, CASH_POSTERS, INVOICE_READERS, ROLES, type Role } from '../domain/types';
import { buildOpenApi } from './openapi';
import { commandRoute, route, type Route } from './route';
import {
  applyUnappliedRequest,
  assignRequest,
  awaitCustomerRequest,
  resumeRequest,
  applyUnappliedResponse,
  camt054Request,
  cancelRequest,
  caseEvidenceResponse,
  customerParams,
  deductionListQuery,
  deductionListResponse,
  openItemsResponse,
  postPaymentsRequest,
  reasonMappingParams,
  reasonMappingsRequest,
  reasonMappingsResponse,
  routingRequest,
  routingResponse,
  postPaymentsResponse,
  unappliedCashListResponse,
  unappliedCashQuery,
  commentListQuery,
  commentListResponse,
  commentOut,
  commentRequest,
  notificationListResponse,
  commandResponse,
  completeTaskRequest,
  cycleTimeQuery,
  cycleTimeResponse,
  deductionsReportQuery,
  deductionsReportResponse,
  decisionRequest,
  disputeDetail,
  disputeListQuery,
  disputeListResponse,
  evidenceOut,
  evidenceQuery,
  caseEvidenceQuery,
  healthResponse,
  idParams,
  importListQuery,
  importListResponse,
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
  refreshEvidenceRequest,
  resolutionRequest,
  retryEvidenceRequest,
  taskCommandResponse,
  teamListResponse,
  uuidParams,
  taskListQuery,
  taskListResponse,
  userCreatedResponse,
  userRequest,
  peopleQuery,
  peopleResponse,
  userRevokedResponse,
  userChangeRequest,
  userListQuery,
  userListResponse,
  userResponse,
  delegationRequest,
  delegationOut,
  delegationListResponse,
  myDelegationsResponse,
  adminEventQuery,
  adminEventListResponse,
  webConfigResponse,
} from '../contract';
import {
  cancel,
  decide,
  getCaseEvidence,
  getDispute,
  listDisputes,
  openDispute,
  proposeResolution,
  refreshEvidence,
  retryEvidence,
} from './use-cases/disputes';
import type { CommandUseCaseContext } from './use-cases/context';
import { assign, awaitCustomer, resume } from './use-cases/owners';
import { addComment, listComments } from './use-cases/comments';
import { listNotifications } from './use-cases/notifications';
import { getInvoice, getInvoiceEvidence, listInvoices } from './use-cases/invoices';
import {
  applyUnappliedCash,
  customerOpenItems,
  listDeductions,
  listUnappliedCash,
  paymentsOfBody,
  paymentsOfCamt054,
  postPayments,
} from './use-cases/payments';
import { getReasonMappings, putReasonMappings } from './use-cases/reason-mappings';
import { importRecords, listImports } from './use-cases/records';
import { getRouting, putRouting } from './use-cases/routing';
import { cycleTimeReport, deductionsReport, overviewReport } from './use-cases/reports';
import { completeTask, listTasks } from './use-cases/tasks';
import { listTeams } from './use-cases/teams';
import { changeUser, createUser, listPeople, listUsers, revokeUser } from './use-cases/users';
import { createDelegation, listDelegations, myDelegations } from './use-cases/delegations';
import { listAdminEvents } from './use-cases/admin-events';

/** A command on a case named by id or case number, answered with the case's status and stage. */
function caseCommandRoute<B extends z.ZodType>(spec: {
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  roles: readonly Role[];
  body: B;
  /** What the answer is. */
  answer: string;
  run: (ctx: CommandUseCaseContext, input: { ref: string; body: z.output<B> }) => Promise<z.input<typeof commandResponse>>;
}): Route {
  return commandRoute({
    method: 'post',
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tag: 'disputes',
    roles: spec.roles,
    params: idParams,
    body: spec.body,
    success: { status: 200, schema: commandResponse, description: spec.answer },
    errors: [404, 409, 422],
    handler: (ctx) => spec.run(ctx, { ref: ctx.params.id, body: ctx.body as z.output<B> }),
  });
}

export const routes: readonly Route[] = [
  // ------------------------------------------------------------ operations (no token; throttled per client address)
  // GET /metrics is not part of the API: api/metrics-endpoint.ts.
  route({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Whether PostgreSQL and Temporal answer, and how many workers poll the task queue',
    description: 'No worker is not a failure of the API: commands are then refused with 503, readings still answer.',
    tag: 'operations',
    roles: 'public',
    success: { status: 200, schema: healthResponse, description: 'Both answer' },
    alternate: { status: 503, description: 'At least one does not answer; the body says which' },
    handler: async ({ deps, setStatus }) => {
      const [health, workers] = await Promise.all([deps.health(), deps.workers.count()]);
      if (health.status !== 'ok') setStatus(503);
      return { ...health, workers };
    },
  }),
  route({
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
    handler: (ctx) => createUser(ctx, { body: ctx.body }),
  }),
  route({
    method: 'get',
    path: '/api/users',
    operationId: 'listUsers',
    summary: 'Every user, by name, a page at a time (never a token)',
    tag: 'users',
    roles: ['admin'],
    query: userListQuery,
    success: { status: 200, schema: userListResponse, description: 'A page of users' },
    errors: [422],
    handler: (ctx) => listUsers(ctx, { query: ctx.query }),
  }),
  route({
    method: 'patch',
    path: '/api/users/:id',
    operationId: 'changeUser',
    summary: "Change a user's name, team, limits, lead or whether they are active",
    description:
      'A field the user\'s role does not take is a 422 naming it (ops keep a team, only managers have limits, only ops ' +
      'lead); approvalLimits replaces the whole set. active:false refuses the user\'s token at once, active:true takes ' +
      'it back. The bootstrap admin and the system actor cannot be changed, nor can you deactivate yourself (409).',
    tag: 'users',
    roles: ['admin'],
    params: uuidParams,
    body: userChangeRequest,
    success: { status: 200, schema: userResponse, description: 'The user, changed' },
    errors: [404, 409, 422],
    handler: (ctx) => changeUser(ctx, { id: ctx.params.id, body: ctx.body }),
  }),
  route({
    method: 'post',
    path: '/api/users/:id/delegations',
    operationId: 'createDelegation',
    summary: "Hand an absent manager's approvals to another manager for [from, until)",
    description: 'A manager only for himself. Both must be active managers; until after from, in the future, at most 366 days after from.',
    tag: 'users',
    roles: ['manager', 'admin'],
    params: uuidParams,
    body: delegationRequest,
    success: { status: 201, schema: delegationOut, description: 'The delegation' },
    errors: [404, 422],
    handler: (ctx) => createDelegation(ctx, { managerId: ctx.params.id, body: ctx.body }),
  }),
  route({
    method: 'get',
    path: '/api/users/:id/delegations',
    operationId: 'listDelegations',
    summary: "A user's delegations, given and received, newest first",
    description: 'A manager only his own.',
    tag: 'users',
    roles: ['admin', 'auditor', 'manager'],
    params: uuidParams,
    success: { status: 200, schema: delegationListResponse, description: 'The delegations' },
    errors: [404],
    handler: (ctx) => listDelegations(ctx, { userId: ctx.params.id }),
  }),
  route({
    method: 'get',
    path: '/api/me/delegations',
    operationId: 'myDelegations',
    summary: 'Your delegations, given and received, that run now or are to come',
    tag: 'users',
    roles: ['manager'],
    success: { status: 200, schema: myDelegationsResponse, description: 'Given and received' },
    handler: (ctx) => myDelegations(ctx, {}),
  }),
  route({
    method: 'get',
    path: '/api/admin-events',
    operationId: 'listAdminEvents',
    summary: 'The administration trail: every change to people, delegations and routing, newest first',
    tag: 'users',
    roles: ['admin', 'auditor'],
    query: adminEventQuery,
    success: { status: 200, schema: adminEventListResponse, description: 'A page of the trail' },
    errors: [422],
    handler: (ctx) => listAdminEvents(ctx, { query: ctx.query }),
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
    handler: (ctx) => revokeUser(ctx, { id: ctx.params.id }),
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
      baseCurrency: deps.baseCurrency,
    }),
  }),
  route({
    method: 'get',
    path: '/api/people',
    operationId: 'listPeople',
    summary: 'Active people by role and team, to assign a case, delegate approvals or hand a task to (names only)',
    tag: 'users',
    roles: ROLES,
    query: peopleQuery,
    success: { status: 200, schema: peopleResponse, description: 'Active people, by name' },
    handler: (ctx) => listPeople(ctx, { query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/teams',
    operationId: 'listTeams',
    summary: 'The teams ops users belong to and tasks go to, as configured (TEAMS)',
    tag: 'users',
    roles: ROLES,
    success: { status: 200, schema: teamListResponse, description: 'Every team' },
    handler: (ctx) => listTeams(ctx, {}),
  }),
  route({
    method: 'put',
    path: '/api/routing',
    operationId: 'putRouting',
    summary: 'Route finding codes to teams and name the owners of the cases opened for customers: the next version, whole',
    description:
      'Finding codes not named keep their default team. Each team must be configured (TEAMS) and each owner an active ' +
      'specialist, else a 422 naming rules.N.team or owners.N.ownerId; a finding code or a customer named twice is a ' +
      '422 too. Cases collect their evidence, and refresh it, under the version in force then; each task records it. ' +
      'The administration trail records the change (ROUTING_CHANGED, before and after).',
    tag: 'users',
    roles: ['admin'],
    body: routingRequest,
    success: { status: 200, schema: routingResponse, description: 'The new version' },
    errors: [422],
    handler: (ctx) => putRouting(ctx, { body: ctx.body }),
  }),
  route({
    method: 'get',
    path: '/api/routing',
    operationId: 'getRouting',
    summary: "The routing in force: every finding code's team (and whether it is the default), and the owner rules",
    tag: 'users',
    roles: ['admin', 'manager', 'auditor', 'specialist'],
    success: { status: 200, schema: routingResponse, description: "The current version (0: the code's defaults)" },
    handler: (ctx) => getRouting(ctx, {}),
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
    description:
      'An invoice a case or a credit memo refers to keeps its customerId, currency, purchaseOrderId, issuedAt and lines ' +
      '(so its total): a change is a 422 naming each field (INVOICE_LOCKED); sent again unchanged (dueAt aside) it is ' +
      'accepted. Every import is kept: GET /api/records/imports.',
    handler: (ctx) => importRecords(ctx, { body: ctx.body, sha256: ctx.bodySha256() }),
  }),
  route({
    method: 'get',
    path: '/api/records/imports',
    operationId: 'listImports',
    summary: 'Every import: when, by whom, how many records, the SHA-256 of its body; newest first, keyset-paged',
    tag: 'records',
    roles: ['admin', 'auditor'],
    query: importListQuery,
    success: { status: 200, schema: importListResponse, description: 'A page of imports' },
    errors: [422],
    handler: (ctx) => listImports(ctx, { query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices by number prefix or customer, newest first, keyset-paged',
    tag: 'records',
    roles: INVOICE_READERS,
    query: invoiceListQuery,
    success: { status: 200, schema: invoiceListResponse, description: 'A page of invoices' },
    errors: [422],
    handler: (ctx) => listInvoices(ctx, { query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/invoices/:number/evidence',
    operationId: 'getInvoiceEvidence',
    summary: "The invoice's PO, contract in force, work orders and other invoices on the PO, as a case opened on it would collect them",
    description: 'A page of the invoice’s lines at a time, with what they are compared with; nextCursor gives the next.',
    tag: 'records',
    roles: ['admin', 'specialist', 'manager', 'auditor'],
    params: invoiceParams,
    query: evidenceQuery,
    success: { status: 200, schema: evidenceOut, description: 'The records around the invoice' },
    errors: [404, 422],
    handler: (ctx) => getInvoiceEvidence(ctx, { number: ctx.params.number, query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/invoices/:number',
    operationId: 'getInvoice',
    summary: 'An invoice, its open balance and its credit memos',
    tag: 'records',
    roles: INVOICE_READERS,
    params: invoiceParams,
    success: { status: 200, schema: invoiceResponse, description: 'The invoice' },
    errors: [404],
    handler: (ctx) => getInvoice(ctx, { number: ctx.params.number }),
  }),

  // ------------------------------------------------------------ money in
  commandRoute({
    method: 'post',
    path: '/api/payments',
    operationId: 'postPayments',
    summary: 'Post payments: each is matched to invoices of one customer, what none takes is unapplied cash',
    description:
      'One transaction for the body: accepted whole or refused whole. Idempotent by payment id: a payment posted ' +
      'before changes nothing; the same id with other content is a 422 naming payments.N.id. Each deduction from ' +
      'DEDUCTION_CASE_MIN opens a case on its invoice by the actor system, or joins the open case that holds it, before ' +
      'the answer comes; below AUTO_WRITE_OFF_MAX it is written off by rule. The answer counts what this call newly ' +
      'did; a 503 says the payments are posted and to post them again with the same Idempotency-Key to finish their cases.',
    tag: 'payments',
    roles: CASH_POSTERS,
    body: postPaymentsRequest,
    success: { status: 200, schema: postPaymentsResponse, description: 'What this call newly did' },
    errors: [422, 503],
    handler: (ctx) => postPayments(ctx, { payments: paymentsOfBody(ctx.body) }),
  }),
  commandRoute({
    method: 'post',
    path: '/api/payments/camt054',
    operationId: 'postCamt054',
    summary: "Post a bank's camt.054 notification (001.02, 001.04, 001.08): each credit transaction is a payment",
    description:
      'The file is refused whole, a 400 naming the element, when it breaks its XSD; otherwise its payments are ' +
      'posted as POST /api/payments posts them, with the same answer. Decoded by its XML declaration (UTF-8 or ' +
      'ISO-8859-1). Idempotent by payment id: the same file again changes nothing.',
    tag: 'payments',
    roles: CASH_POSTERS,
    bodyMedia: 'xml',
    body: camt054Request,
    success: { status: 200, schema: postPaymentsResponse, description: 'What this call newly did' },
    errors: [422, 503],
    handler: async (ctx) => postPayments(ctx, { payments: await paymentsOfCamt054(ctx.body, ctx.bodySha256()) }),
  }),
  route({
    method: 'get',
    path: '/api/unapplied-cash',
    operationId: 'listUnappliedCash',
    summary: 'What is left of payments no invoice took, newest first, keyset-paged',
    tag: 'payments',
    roles: CASH_POSTERS,
    query: unappliedCashQuery,
    success: { status: 200, schema: unappliedCashListResponse, description: 'A page of unapplied cash' },
    errors: [422],
    handler: (ctx) => listUnappliedCash(ctx, { query: ctx.query }),
  }),
  commandRoute({
    method: 'post',
    path: '/api/unapplied-cash/:id/apply',
    operationId: 'applyUnappliedCash',
    summary: "Apply unapplied cash to an invoice of the payment's customer, in its currency",
    description: 'More than is left of the cash, or than the invoice has open, is a 409; another customer or currency a 422.',
    tag: 'payments',
    roles: CASH_APPLIERS,
    params: uuidParams,
    body: applyUnappliedRequest,
    success: { status: 200, schema: applyUnappliedResponse, description: 'The unapplied cash, with what is left' },
    errors: [404, 409, 422],
    handler: (ctx) => applyUnappliedCash(ctx, { id: ctx.params.id, body: ctx.body }),
  }),
  route({
    method: 'get',
    path: '/api/deductions',
    operationId: 'listDeductions',
    summary: 'Deductions customers took on the invoices their payments matched, newest first, keyset-paged',
    tag: 'payments',
    roles: INVOICE_READERS,
    query: deductionListQuery,
    success: { status: 200, schema: deductionListResponse, description: 'A page of deductions' },
    errors: [422],
    handler: (ctx) => listDeductions(ctx, { query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/customers/:id/open-items',
    operationId: 'customerOpenItems',
    summary: "A customer's open invoices with what is in dispute, what is collectible and whether dunning holds off",
    tag: 'payments',
    roles: INVOICE_READERS,
    params: customerParams,
    success: { status: 200, schema: openItemsResponse, description: 'The open items, earliest due first' },
    errors: [404],
    handler: (ctx) => customerOpenItems(ctx, { customerId: ctx.params.id }),
  }),
  commandRoute({
    method: 'put',
    path: '/api/reason-mappings/:customerId',
    operationId: 'putReasonMappings',
    summary: "Map the customer's deduction codes to our reason codes: a new version, which deductions posted from now on take",
    description:
      'Versions are kept: each PUT is the next (1, 2, …); a deduction records the version it was mapped by, and a code ' +
      'the mapping does not name is OTHER. A code twice in one body is a 422 naming mappings.N.code. The same ' +
      'Idempotency-Key and body again answer the same version.',
    tag: 'payments',
    roles: ['admin', 'specialist'],
    params: reasonMappingParams,
    body: reasonMappingsRequest,
    success: { status: 200, schema: reasonMappingsResponse, description: 'The new version' },
    errors: [404, 422],
    handler: (ctx) => putReasonMappings(ctx, { customerId: ctx.params.customerId, body: ctx.body }),
  }),
  route({
    method: 'get',
    path: '/api/reason-mappings/:customerId',
    operationId: 'getReasonMappings',
    summary: "The customer's latest reason mapping",
    tag: 'payments',
    roles: ['admin', 'specialist', 'manager', 'auditor'],
    params: reasonMappingParams,
    success: { status: 200, schema: reasonMappingsResponse, description: 'The latest version' },
    errors: [404],
    handler: (ctx) => getReasonMappings(ctx, { customerId: ctx.params.customerId }),
  }),

  // ------------------------------------------------------------ disputes
  commandRoute({
    method: 'post',
    path: '/api/disputes',
    operationId: 'openDispute',
    summary: 'Open a dispute case (starts its workflow)',
    description:
      'The same Idempotency-Key and body again answer the same case. Accepted with no worker running: the start is ' +
      'durable, and the case waits in stage EVIDENCE until a worker picks it up.',
    tag: 'disputes',
    roles: ['specialist'],
    body: openDisputeRequest,
    success: { status: 201, schema: openDisputeResponse, description: 'The case' },
    errors: [422],
    handler: (ctx) => openDispute(ctx, { body: ctx.body }),
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
    handler: (ctx) => listDisputes(ctx, { query: ctx.query }),
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
    handler: (ctx) => getDispute(ctx, { ref: ctx.params.id }),
  }),
  route({
    method: 'get',
    path: '/api/disputes/:id/evidence',
    operationId: 'getCaseEvidence',
    summary: "A page of the evidence of one of the case's invoices (the case itself carries the first's first), with the findings of its lines",
    description:
      'invoiceNumber picks the invoice (default: the first item\'s); 404 for an invoice not in the case. ops users get 404 for a case ' +
      'without a task for their team; 409 until the evidence is collected.',
    tag: 'disputes',
    roles: CASE_READERS,
    params: idParams,
    query: caseEvidenceQuery,
    success: { status: 200, schema: caseEvidenceResponse, description: 'The page' },
    errors: [404, 409, 422],
    handler: (ctx) => getCaseEvidence(ctx, { ref: ctx.params.id, query: ctx.query }),
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/resolution',
    operationId: 'proposeResolution',
    summary: 'Propose CREDIT (with amount) or NO_CREDIT; only in stage RESOLUTION',
    roles: ['specialist'],
    body: resolutionRequest,
    answer: 'The case after the proposal',
    run: proposeResolution,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/decision',
    operationId: 'decide',
    summary: 'Approve or reject the proposed credit; only in stage APPROVAL',
    description:
      "403 when you proposed it, or on APPROVE when the amount is over your approval limit in the case's currency (or you " +
      'have none in it) and no delegation to you from an absent manager whose limits cover it runs now (then you approve ' +
      'on their behalf: onBehalfOf on the approval); a REJECT is not bound by the limit. 409 when evidenceHash is sent ' +
      "and is not the case's current one (its evidence was refreshed since).",
    roles: ['manager'],
    body: decisionRequest,
    answer: 'The case after the decision',
    run: decide,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/cancel',
    operationId: 'cancelDispute',
    summary: 'Cancel an open case; its open tasks are cancelled',
    roles: ['specialist', 'manager'],
    body: cancelRequest,
    answer: 'The cancelled case',
    run: cancel,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/retry-evidence',
    operationId: 'retryEvidence',
    summary: 'Pull the evidence again after a malformed source record was fixed (the case shows evidenceError)',
    roles: ['specialist', 'manager'],
    body: retryEvidenceRequest,
    answer: 'The case, collecting its evidence again',
    run: retryEvidence,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/refresh-evidence',
    operationId: 'refreshEvidence',
    summary: 'Pull the records again and recompute findings, tasks and evidenceHash; only in INVESTIGATION or RESOLUTION',
    description:
      'EVIDENCE_REFRESHED on the trail keeps the findings it replaced. Tasks of teams left without findings are ' +
      'cancelled, a team with new findings gets a task; with no open task the case is in RESOLUTION. A decision sent ' +
      'with the evidenceHash from before is a 409.',
    roles: ['specialist'],
    body: refreshEvidenceRequest,
    answer: 'The case on its refreshed evidence',
    run: refreshEvidence,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/assign',
    operationId: 'assignDispute',
    summary: 'Give the case to another owner, an active specialist (managers: any case; a specialist: a case they own)',
    description: 'CASE_ASSIGNED on the trail. 422 naming userId when it is not an active specialist.',
    roles: ['specialist', 'manager'],
    body: assignRequest,
    answer: 'The case, with its new owner',
    run: assign,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/await-customer',
    operationId: 'awaitCustomer',
    summary: "The case's owner waits on the customer: no SLA clock runs until resumed, or until `until` passes",
    description:
      'Only in INVESTIGATION, RESOLUTION or APPROVAL; 409 when it waits already or is parked. On resumption the open ' +
      "tasks and the stage's SLA fall due as much later as the wait lasted.",
    roles: ['specialist'],
    body: awaitCustomerRequest,
    answer: 'The case, waiting on the customer',
    run: awaitCustomer,
  }),
  caseCommandRoute({
    path: '/api/disputes/:id/resume',
    operationId: 'resumeDispute',
    summary: "The case's owner ends the wait on the customer (409 when it does not wait)",
    roles: ['specialist'],
    body: resumeRequest,
    answer: 'The case, its clocks running again',
    run: resume,
  }),

  commandRoute({
    method: 'post',
    path: '/api/disputes/:id/comments',
    operationId: 'addComment',
    summary: 'A note on the case (kept in PostgreSQL, never in the workflow history)',
    description: 'ops users get 404 for a case without a task for their team. A retry with the same Idempotency-Key posts once.',
    tag: 'disputes',
    roles: ['specialist', 'manager', 'ops'],
    params: idParams,
    body: commentRequest,
    success: { status: 201, schema: commentOut, description: 'The comment' },
    errors: [404, 422],
    handler: (ctx) => addComment(ctx, { ref: ctx.params.id, body: ctx.body }),
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
    handler: (ctx) => listComments(ctx, { ref: ctx.params.id, query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/disputes/:id/notifications',
    operationId: 'listNotifications',
    summary: 'The notifications the case raised (a task assigned, an approval waiting, an escalation) and their delivery',
    description: 'ops users get 404 for a case without a task for their team.',
    tag: 'disputes',
    roles: CASE_READERS,
    params: idParams,
    success: { status: 200, schema: notificationListResponse, description: 'Its notifications, oldest first' },
    errors: [404],
    handler: (ctx) => listNotifications(ctx, { ref: ctx.params.id }),
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
    handler: (ctx) => listTasks(ctx, { query: ctx.query }),
  }),
  commandRoute({
    method: 'post',
    path: '/api/tasks/:id/complete',
    operationId: 'completeTask',
    summary: "Complete an open task of your team's",
    tag: 'tasks',
    roles: ['ops'],
    params: uuidParams,
    body: completeTaskRequest,
    success: { status: 200, schema: taskCommandResponse, description: 'The case after the task' },
    errors: [404, 409, 422],
    handler: (ctx) => completeTask(ctx, { taskId: ctx.params.id, body: ctx.body }),
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
    handler: (ctx) => cycleTimeReport(ctx, { query: ctx.query }),
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
    handler: (ctx) => overviewReport(ctx, { query: ctx.query }),
  }),
  route({
    method: 'get',
    path: '/api/reports/deductions',
    operationId: 'deductionsReport',
    summary: 'Deductions open, cleared and invalid per currency, days deduction outstanding, remittance lines applied without a person',
    description:
      'The period is [from, to], `to` included (a date: its whole UTC day); without `to` it ends now, without `from` it ' +
      'starts 90 days before its end; a `to` before `from` is a 422. Per invoice currency, never summed across ' +
      'currencies. open: deductions posted before the end of the period and not resolved by then. cleared: resolved ' +
      'in the period CLEARED or PARTIAL, the amount what was cleared; invalid: resolved in the period INVALID, the ' +
      'amount theirs and what the PARTIAL ones did not clear. ddoDays: the open amount ÷ the amount resolved in the ' +
      'period per day (null when none was). remittance: of the payments posted in the period, the lines the matcher ' +
      'applied against those it left unapplied for a person.',
    tag: 'reports',
    roles: ['manager', 'auditor'],
    query: deductionsReportQuery,
    success: { status: 200, schema: deductionsReportResponse, description: 'The report' },
    errors: [422],
    handler: (ctx) => deductionsReport(ctx, { query: ctx.query }),
  }),
];

let document: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApi(routes, { title: 'ar-dispute-engine', version: '0.1.0' });
  return document;
}
