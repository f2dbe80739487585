// What a route is: one declaration that the express router, /openapi.json and the authorisation tests all read.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { DisputeSlas } from '../domain/messages';
import type { DeductionRules } from '../domain/payments';
import type { Role } from '../domain/types';
import type { Logger } from '../infra/logger';
import type { AuthUser } from './auth';
import type { Health } from './health';
import type { AppMetrics } from './observability';
import { idempotencyHeaders } from '../contract';
import type { WorkerProbe, WorkerProbeOptions } from './workers';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  teams: readonly string[];
  slas: DisputeSlas;
  logger: Logger;
  /** Longest wait on Temporal for one request before answering 503 (default 15 s). */
  temporalTimeoutMs?: number;
  /** The Temporal Web UI the web app links each case's workflow to (TEMPORAL_UI_URL), when there is one. */
  temporalUiUrl?: string;
  /** How the API tells whether a worker polls the task queue (see workers.ts for the defaults). */
  workerProbe?: WorkerProbeOptions;
  /** When deductions become disputes or are written off (default: DEFAULT_DEDUCTION_RULES). */
  deductionRules?: DeductionRules;
  /** The currency of a manager's approvalLimit (BASE_CURRENCY; default USD). */
  baseCurrency?: string;
}

export interface RouteDeps extends AppDeps {
  metrics: AppMetrics;
  temporalTimeoutMs: number;
  deductionRules: DeductionRules;
  baseCurrency: string;
  /** /health's probe, shared by the requests of this process (api/health.ts). */
  health(): Promise<Health>;
  workers: WorkerProbe;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch';
export type DocumentedError = 404 | 409 | 422 | 503;

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface HandlerContext<P, Q, B, H, U> {
  deps: RouteDeps;
  user: U;
  params: P;
  query: Q;
  body: B;
  headers: H;
  log: Logger;
  /** Tags the request's log line with the case's workflow id. */
  touchCase(workflowId: string): void;
  /** Overrides the success status (e.g. /health answering 503 with its usual body). */
  setStatus(status: number): void;
  /** SHA-256 (lowercase hex) of the body's bytes as received. */
  bodySha256(): string;
}

/** A command's context: the Idempotency-Key it is applied under, the caller's or, when none was sent, a fresh one. */
export type CommandContext<P, B> = HandlerContext<P, Record<string, never>, B, Record<string, never>, AuthUser> & {
  idempotencyKey: string;
};

interface RouteBase<P, Q, B, H, R extends z.ZodType> {
  method: HttpMethod;
  /** express syntax: /api/disputes/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * What the body is: JSON (the default) or an XML document, taken as text within a limit of its own (xml-body.ts)
   * and checked against `body`, then a string schema.
   */
  bodyMedia?: 'json' | 'xml';
  headers?: H;
  success: { status: 200 | 201; schema: R; description: string };
  /** The business answers the route can give besides success, 400, 401, 403, 413 and 429. */
  errors?: readonly DocumentedError[];
  /** An answer with the success schema but another status (e.g. /health's 503). */
  alternate?: { status: number; description: string };
}

/** Who may call a route: these roles, with a bearer token, or anyone ('public': the operational endpoints). */
export type RouteRoles = readonly Role[] | 'public';

/** A route as written: its handler sees its input as parsed, and a user unless the route is public. */
export interface RouteSpec<P, Q, B, H, R extends z.ZodType, Roles extends RouteRoles> extends RouteBase<P, Q, B, H, R> {
  roles: Roles;
  handler(ctx: HandlerContext<Out<P>, Out<Q>, Out<B>, Out<H>, Roles extends 'public' ? null : AuthUser>): Promise<z.input<R>>;
}

/** A route as the table holds it, its types erased. */
export interface Route extends RouteBase<z.ZodType, z.ZodType, z.ZodType, z.ZodObject, z.ZodType> {
  roles: RouteRoles;
  /**
   * A command: it changes a case. It takes an Idempotency-Key (the same key and body again give the first answer,
   * another body a 422) and answers the key it was applied under in the Idempotency-Key header.
   */
  command?: true;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler(ctx: HandlerContext<any, any, any, any, AuthUser | null> & { idempotencyKey?: string }): Promise<unknown>;
}

export function route<
  R extends z.ZodType,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
  const Roles extends RouteRoles = readonly Role[],
>(spec: RouteSpec<P, Q, B, H, R, Roles>): Route {
  return spec as unknown as Route;
}

export interface CommandRouteSpec<P, B, R extends z.ZodType>
  extends Omit<RouteSpec<P, undefined, B, undefined, R, readonly Role[]>, 'query' | 'headers' | 'handler'> {
  handler(ctx: CommandContext<Out<P>, Out<B>>): Promise<z.input<R>>;
}

/** A route that changes a case: see Route.command. */
export function commandRoute<
  R extends z.ZodType,
  P extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: CommandRouteSpec<P, B, R>): Route {
  return { ...spec, headers: idempotencyHeaders, command: true } as unknown as Route;
}

/** /api/disputes/:id → /api/disputes/{id} */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
