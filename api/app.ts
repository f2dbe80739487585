// The express app, built from its dependencies (createApp(deps)): no globals, so tests start it on port 0.
// Per route, in this order: request id and log line → security headers → throttle (api/throttle.ts) and 401 → 403
// (role) → JSON body (256 KB, 413 over it) → unstorable text (400) → zod (400) → the use case → the one error middleware.
import { createHash, randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { authenticate, authorize, type AuthUser } from './auth';
import { unstorableFields } from '../domain/text';
import { AppError, errorMiddleware, zodDetails, type ErrorDetail } from './errors';
import { checkHealth, sharedHealthCheck } from './health';
import { requireMetricsToken, serveMetrics } from './metrics-endpoint';
import { AppMetrics, requestContext } from './observability';
import { routes as routeTable } from './routes';
import type { AppDeps, Route, RouteDeps } from './route';
import { securityHeaders, staticCacheControl } from './security-headers';
import { createThrottle, DEFAULT_THROTTLE, NO_THROTTLE, type ThrottleOptions } from './throttle';
import { WorkerProbe } from './workers';

export const BODY_LIMIT = '256kb';

export interface AppOptions extends AppDeps {
  /** Where the static web UI lives (served at `/`); the UI is added by its own module, this is only the hook. */
  staticDir?: string;
  /** Throttling (api/throttle.ts), each part defaulting to DEFAULT_THROTTLE; false turns it off (benchmarks). */
  rateLimit?: Partial<ThrottleOptions> | false;
  /** Whose X-Forwarded-For to believe for the client address (express `trust proxy`); default: nobody's. */
  trustProxy?: false | number | readonly string[];
  /** Serve GET /metrics to callers with this bearer token; unset: /metrics is a 404 here. */
  metricsToken?: string;
  /** Check every answer against its route's response schema; a mismatch is a 500 (tests turn this on). */
  validateResponses?: boolean;
  /** Defaults to a fresh registry with the default process metrics. */
  metrics?: AppMetrics;
  /** Defaults to the route table; tests may pass a subset. */
  routes?: readonly Route[];
}

export function createApp(options: AppOptions): Express {
  const { logger } = options;
  const metrics = options.metrics ?? new AppMetrics();
  const workers = new WorkerProbe(options.temporal, options.namespace ?? options.temporal.options.namespace, options.taskQueue, options.workerProbe);
  const deps: RouteDeps = {
    ...options,
    metrics,
    workers,
    temporalTimeoutMs: options.temporalTimeoutMs ?? 15_000,
    health: sharedHealthCheck(() => checkHealth(options.pool, options.temporal)),
  };
  const throttle = options.rateLimit === false ? NO_THROTTLE : createThrottle({ ...DEFAULT_THROTTLE, ...options.rateLimit }, metrics);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // /API/me is not /api/me: one spelling per route, so that nothing about a path depends on how it is spelt.
  app.set('case sensitive routing', true);
  const trust = options.trustProxy ?? false;
  app.set('trust proxy', typeof trust === 'object' ? [...trust] : trust); // a copy: express expands names in place

  app.use(requestContext(logger, metrics));
  app.use(securityHeaders);

  const json = express.json({
    limit: BODY_LIMIT,
    strict: true,
    type: ['application/json', 'application/*+json'],
    // The body as received (after any Content-Encoding), for a use case that keeps its digest.
    verify: (req, _res, buf) => {
      (req as Request & { rawBody?: Buffer }).rawBody = buf;
    },
  });
  const auth = authenticate(options.pool, throttle);
  for (const route of options.routes ?? routeTable) {
    const chain: RequestHandler[] = [labelRoute(route.path)];
    if (route.roles === 'public') chain.push(throttle.operational);
    else chain.push(auth, authorize(route.roles));
    if (route.body) chain.push(json);
    chain.push(handle(route, deps, options.validateResponses ?? false));
    app[route.method](route.path, ...chain);
  }
  if (options.metricsToken) {
    app.get('/metrics', labelRoute('/metrics'), throttle.operational, requireMetricsToken(options.metricsToken), serveMetrics(metrics));
  }

  if (options.staticDir) {
    app.use(express.static(options.staticDir, { index: 'index.html', fallthrough: true, setHeaders: staticCacheControl(options.staticDir) }));
  }

  // A known path with a method it does not have: 405 with Allow (RFC 9110 §15.5.6), not a 404 as if the path did
  // not exist; OPTIONS answers 204 with Allow. (Found by schemathesis' unsupported_method check.)
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of options.routes ?? routeTable) {
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method === 'get') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, 'OPTIONS'].join(', ');
    app.all(path, (req, res, next) => {
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allow);
        res.status(204).end();
        return;
      }
      next(new AppError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${allow}`, [], { Allow: allow }));
    });
  }

  app.use((req, _res, next) => next(AppError.notFound(`no route ${req.method} ${req.path}`)));
  app.use(errorMiddleware(logger));
  return app;
}

function labelRoute(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.route = path;
    next();
  };
}

function handle(route: Route, deps: RouteDeps, validateResponses: boolean): RequestHandler {
  return async (req, res) => {
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
      details.push(...zodDetails(parsed.error.issues, where));
      offDocument ||= parsed.error.issues.some((issue) => issue.code !== 'custom');
      return undefined;
    };
    const rawHeaders = route.headers ? headersOf(req, Object.keys(route.headers.shape)) : {};
    unstorable(req.params, 'path', details);
    unstorable(req.query, 'query', details);
    unstorable(rawHeaders, 'header', details);
    if (route.body) unstorable(req.body, 'body', details);
    if (details.length) throw AppError.badRequest('the request is invalid', details);

    const params = parse(route.params, req.params, 'path');
    const query = parse(route.query, req.query ?? {}, 'query');
    const headers = parse(route.headers, rawHeaders, 'header');
    const body = parse(route.body, route.body ? bodyOf(req) : undefined, 'body');
    if (details.length && offDocument) throw AppError.badRequest('the request is invalid', details);
    if (details.length) throw new AppError(422, 'UNPROCESSABLE', 'the request breaks a rule', details);

    // A command is applied under a key whether or not its caller sent one: a caller that sent none can still retry
    // safely with the one answered here, on success and on failure alike.
    const idempotencyKey = route.command ? ((headers as { 'Idempotency-Key'?: string })['Idempotency-Key'] ?? randomUUID()) : undefined;
    if (idempotencyKey) res.setHeader('Idempotency-Key', idempotencyKey);

    let status: number = route.success.status;
    const log = res.locals.log;
    const result = await route.handler({
      idempotencyKey,
      bodySha256: () => createHash('sha256').update((req as Request & { rawBody?: Buffer }).rawBody ?? '').digest('hex'),
      deps,
      user: (res.locals.user as AuthUser | undefined) ?? null,
      params,
      query,
      body,
      headers,
      log,
      touchCase: (workflowId: string) => {
        res.locals.workflowId = workflowId;
      },
      setStatus: (s: number) => {
        status = s;
      },
    });

    if (validateResponses) {
      const checked = route.success.schema.safeParse(result);
      if (!checked.success) {
        log.error({ route: route.path, issues: checked.error.issues }, 'answer does not match its schema');
        throw new Error(`the answer of ${route.method.toUpperCase()} ${route.path} does not match its schema`);
      }
    }
    res.status(status).json(result);
  };
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

/** The parsed JSON body; no body at all reads as {}, a body that is not JSON is refused. */
function bodyOf(req: Request): unknown {
  if (req.body !== undefined) return req.body;
  const length = Number(req.get('content-length') ?? 0);
  if (length > 0 || req.get('transfer-encoding')) {
    throw AppError.badRequest('the body must be JSON', [
      { field: '(body)', message: 'send Content-Type: application/json', in: 'body' },
    ]);
  }
  return {};
}
