// The one way the UI talks to the server: JSON over fetch, the bearer token from the session, and every non-2xx
// answer turned into an ApiError that carries the contract's {code, message, details}.
import type { z } from 'zod';
import type {
  ApiError as ErrorAnswer,
  CaseComment,
  CaseNotification,
  CaseEvidencePage,
  CommandAnswer,
  CycleTimeReport,
  DeductionStatus,
  DeductionsReport,
  DisputeDetail,
  DisputeListItem,
  EvidencePage,
  InvoiceAnswer,
  InvoiceSummary,
  Overview,
  Page,
  TaskItem,
  User,
  WebConfig,
  applyUnappliedRequest,
  applyUnappliedResponse,
  assignRequest,
  awaitCustomerRequest,
  cancelRequest,
  commentRequest,
  completeTaskRequest,
  cycleTimeQuery,
  decisionRequest,
  deductionListResponse,
  deductionsReportQuery,
  importResponse,
  openDisputeRequest,
  openDisputeResponse,
  openItemsResponse,
  peopleQuery,
  peopleResponse,
  postPaymentsResponse,
  resolutionRequest,
  routingRequest,
  routingResponse,
  taskCommandResponse,
  teamListResponse,
  unappliedCashListResponse,
  userCreatedResponse,
  userRequest,
  userChangeRequest,
  userListResponse,
  delegationRequest,
  delegationListResponse,
  myDelegationsResponse,
  adminEventListResponse,
  Delegation,
} from '../../../contract';
import { getToken } from './session';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorAnswer['error']['details'] = [],
  ) {
    super(message);
  }

  /** The message of the detail naming `field`, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field.startsWith(`${field}.`))?.message;
  }
}

/** Listeners told when the server no longer accepts the session's token. */
const unauthorizedListeners = new Set<(message: string) => void>();
export function onUnauthorized(listener: (message: string) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** An XML document sent as it is (a bank's camt.054), instead of a JSON body. */
  xml?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Use this token instead of the session's (signing in). */
  token?: string;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? getToken();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.xml !== undefined) headers['Content-Type'] = 'application/xml';
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? (options.body === undefined && options.xml === undefined ? 'GET' : 'POST'),
      headers,
      body: options.xml ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let payload: unknown = undefined;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = undefined;
    }
  }
  if (!response.ok) {
    const error = (payload as Partial<ErrorAnswer> | undefined)?.error;
    const apiError = new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `The server answered ${response.status} ${response.statusText}`.trim(),
      Array.isArray(error?.details) ? error.details : [],
    );
    if (response.status === 401 && !options.token) for (const listener of unauthorizedListeners) listener(apiError.message);
    throw apiError;
  }
  return payload as T;
}

/** A fresh key per user action, so a retried click cannot open two cases. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------- endpoints

// Bodies as the contract reads them (z.input: what may be sent), answers as it writes them (z.infer).
type Body<T extends z.ZodType> = z.input<T>;
type Answer<T extends z.ZodType> = z.infer<T>;

export const api = {
  me: (token?: string) => request<User>('/api/me', { token }),
  config: (signal?: AbortSignal) => request<WebConfig>('/api/config', { signal }),
  teams: (signal?: AbortSignal) => request<Answer<typeof teamListResponse>>('/api/teams', { signal }),

  invoices: (query: { number?: string; customer?: string; limit: number; cursor?: string }, signal?: AbortSignal) =>
    request<Page<InvoiceSummary>>('/api/invoices', { query, signal }),
  invoice: (number: string, signal?: AbortSignal) =>
    request<InvoiceAnswer>(`/api/invoices/${encodeURIComponent(number)}`, { signal }),
  /** The invoice's records before a case exists, read as the case's evidence will be; a page of its lines at a time. */
  invoiceEvidence: (number: string, cursor?: string, signal?: AbortSignal) =>
    request<EvidencePage>(`/api/invoices/${encodeURIComponent(number)}/evidence`, { query: { cursor }, signal }),

  openDispute: (body: Body<typeof openDisputeRequest>, idempotencyKey: string) =>
    request<Answer<typeof openDisputeResponse>>('/api/disputes', { body, idempotencyKey }),

  disputes: (query: Query, signal?: AbortSignal) => request<Page<DisputeListItem>>('/api/disputes', { query, signal }),
  dispute: (id: string, signal?: AbortSignal) => request<DisputeDetail>(`/api/disputes/${encodeURIComponent(id)}`, { signal }),
  /** The case's evidence after its first page (which the case carries), with the findings of those lines. */
  /** A page of the evidence of one of the case's invoices (the first item's unless named). */
  caseEvidence: (id: string, cursor?: string, invoiceNumber?: string, signal?: AbortSignal) =>
    request<CaseEvidencePage>(`/api/disputes/${encodeURIComponent(id)}/evidence`, { query: { cursor, invoiceNumber }, signal }),

  tasks: (query: Query, signal?: AbortSignal) => request<Page<TaskItem>>('/api/tasks', { query, signal }),
  completeTask: (id: string, body: Body<typeof completeTaskRequest>, idempotencyKey: string) =>
    request<Answer<typeof taskCommandResponse>>(`/api/tasks/${encodeURIComponent(id)}/complete`, { body, idempotencyKey }),

  propose: (id: string, body: Body<typeof resolutionRequest>, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/resolution`, { body, idempotencyKey }),
  decide: (id: string, body: Body<typeof decisionRequest>, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/decision`, { body, idempotencyKey }),
  cancel: (id: string, body: Body<typeof cancelRequest>, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/cancel`, { body, idempotencyKey }),

  assign: (id: string, body: Body<typeof assignRequest>, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/assign`, { body, idempotencyKey }),
  awaitCustomer: (id: string, body: Body<typeof awaitCustomerRequest>, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/await-customer`, { body, idempotencyKey }),
  resume: (id: string, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/resume`, { body: {}, idempotencyKey }),

  comments: (id: string, query: Query, signal?: AbortSignal) =>
    request<Page<CaseComment>>(`/api/disputes/${encodeURIComponent(id)}/comments`, { query, signal }),
  addComment: (id: string, body: Body<typeof commentRequest>, idempotencyKey: string) =>
    request<CaseComment>(`/api/disputes/${encodeURIComponent(id)}/comments`, { body, idempotencyKey }),
  notifications: (id: string, signal?: AbortSignal) =>
    request<{ items: CaseNotification[] }>(`/api/disputes/${encodeURIComponent(id)}/notifications`, { signal }),
  retryEvidence: (id: string, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/retry-evidence`, { body: {}, idempotencyKey }),
  refreshEvidence: (id: string, idempotencyKey: string) =>
    request<CommandAnswer>(`/api/disputes/${encodeURIComponent(id)}/refresh-evidence`, { body: {}, idempotencyKey }),

  cycleTime: (query: Body<typeof cycleTimeQuery>, signal?: AbortSignal) =>
    request<CycleTimeReport>('/api/reports/cycle-time', { query, signal }),
  overview: (weeks: number, signal?: AbortSignal) => request<Overview>('/api/reports/overview', { query: { weeks }, signal }),
  deductionsReport: (query: Body<typeof deductionsReportQuery>, signal?: AbortSignal) =>
    request<DeductionsReport>('/api/reports/deductions', { query, signal }),

  createUser: (body: Body<typeof userRequest>) => request<Answer<typeof userCreatedResponse>>('/api/users', { body }),
  users: (query: { role?: string; team?: string; active?: string; limit: number; cursor?: string }, signal?: AbortSignal) =>
    request<Answer<typeof userListResponse>>('/api/users', { query, signal }),
  changeUser: (id: string, body: Body<typeof userChangeRequest>) =>
    request<User>(`/api/users/${encodeURIComponent(id)}`, { body, method: 'PATCH' }),
  revokeUser: (id: string) => request<User>(`/api/users/${encodeURIComponent(id)}/revoke`, { method: 'POST' }),
  /** Active people for a picker (names only). */
  people: (query: Body<typeof peopleQuery>, signal?: AbortSignal) => request<Answer<typeof peopleResponse>>('/api/people', { query, signal }),
  delegate: (managerId: string, body: Body<typeof delegationRequest>) =>
    request<Delegation>(`/api/users/${encodeURIComponent(managerId)}/delegations`, { body }),
  delegations: (userId: string, signal?: AbortSignal) =>
    request<Answer<typeof delegationListResponse>>(`/api/users/${encodeURIComponent(userId)}/delegations`, { signal }),
  myDelegations: (signal?: AbortSignal) => request<Answer<typeof myDelegationsResponse>>('/api/me/delegations', { signal }),
  adminEvents: (query: { subjectId?: string; type?: string; limit: number; cursor?: string }, signal?: AbortSignal) =>
    request<Answer<typeof adminEventListResponse>>('/api/admin-events', { query, signal }),
  routing: (signal?: AbortSignal) => request<Answer<typeof routingResponse>>('/api/routing', { signal }),
  putRouting: (body: Body<typeof routingRequest>) => request<Answer<typeof routingResponse>>('/api/routing', { method: 'PUT', body }),
  importRecords: (body: unknown) => request<Answer<typeof importResponse>>('/api/records/import', { body }),

  /** The body as the user wrote it: the server names what is wrong with it, field by field. */
  postPayments: (body: unknown, idempotencyKey: string) =>
    request<Answer<typeof postPaymentsResponse>>('/api/payments', { body, idempotencyKey }),
  postCamt054: (xml: string, idempotencyKey: string) =>
    request<Answer<typeof postPaymentsResponse>>('/api/payments/camt054', { xml, idempotencyKey }),
  unappliedCash: (query: { limit: number; cursor?: string }, signal?: AbortSignal) =>
    request<Answer<typeof unappliedCashListResponse>>('/api/unapplied-cash', { query, signal }),
  applyUnapplied: (id: string, body: Body<typeof applyUnappliedRequest>, idempotencyKey: string) =>
    request<Answer<typeof applyUnappliedResponse>>(`/api/unapplied-cash/${encodeURIComponent(id)}/apply`, { body, idempotencyKey }),
  deductions: (query: { status?: DeductionStatus; customerId?: string; limit: number; cursor?: string }, signal?: AbortSignal) =>
    request<Answer<typeof deductionListResponse>>('/api/deductions', { query, signal }),
  openItems: (customerId: string, signal?: AbortSignal) =>
    request<Answer<typeof openItemsResponse>>(`/api/customers/${encodeURIComponent(customerId)}/open-items`, { signal }),
};
