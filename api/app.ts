// The express app, built from its dependencies (createApp(deps)): no globals, so tests start it on port 0.
// Per route, in this order: request id and log line (request-context.ts) → security headers → throttle
// (throttle.ts) and 401 → 403 (role) → JSON body (json-body.ts: 256 KB, 413 over it), or an XML one (xml-body.ts:
// 16 MB) → unstorable text (400) → zod
// (400/422, request-input.ts) → the use case (handle.ts) → the one error middleware (error-answer.ts).
import express, { type Express, type RequestHandler } from 'express';
import { authenticate, authorize } from './auth';
import { errorMiddleware } from './error-answer';
import { AppError } from './errors';
import { handle } from './handle';
import { checkHealth, sharedHealthCheck } from './health';
import { jsonBody } from './json-body';
import { xmlBody } from './xml-body';
import { requireMetricsToken, serveMetrics } from './metrics-endpoint';
import { AppMetrics } from './observability';
import { labelRoute, requestContext } from './request-context';
import { routes as routeTable } from './routes';
import type { AppDeps, Route, RouteDeps } from './route';
import { securityHeaders, staticCacheControl } from './security-headers';
import { createThrottle, DEFAULT_THROTTLE, NO_THROTTLE, type ThrottleOptions } from './throttle';
import { WorkerProbe } from './workers';
import { DEFAULT_DEDUCTION_RULES } from '../domain/payments';
import { DEFAULT_BASE_CURRENCY } from '../domain/types';

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
  const workers = new WorkerProbe(options.temporal, options.temporal.options.namespace, options.taskQueue, options.workerProbe);
  const health = sharedHealthCheck(() => checkHealth(options.pool, options.temporal));
  // An idle connection lost (PostgreSQL stopped or restarted) tells /health before any request or probe can.
  options.pool.on('error', health.dependencyFailed);
  const deps: RouteDeps = {
    ...options,
    metrics,
    workers,
    temporalTimeoutMs: options.temporalTimeoutMs ?? 15_000,
    deductionRules: options.deductionRules ?? DEFAULT_DEDUCTION_RULES,
    baseCurrency: options.baseCurrency ?? DEFAULT_BASE_CURRENCY,
    health,
  };
  const throttle =
    options.rateLimit === false ? NO_THROTTLE : createThrottle({ ...DEFAULT_THROTTLE, ...options.rateLimit }, metrics.rateLimited);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // /API/me is not /api/me: one spelling per route, so that nothing about a path depends on how it is spelt.
  app.set('case sensitive routing', true);
  const trust = options.trustProxy ?? false;
  app.set('trust proxy', typeof trust === 'object' ? [...trust] : trust); // a copy: express expands names in place

  app.use(requestContext(logger, metrics));
  app.use(securityHeaders);

  const routes = options.routes ?? routeTable;
  const auth = authenticate(options.pool, throttle, deps.baseCurrency);
  for (const route of routes) {
    const chain: RequestHandler[] = [labelRoute(route.path)];
    if (route.roles === 'public') chain.push(throttle.operational);
    else chain.push(auth, authorize(route.roles));
    if (route.body) chain.push(route.bodyMedia === 'xml' ? xmlBody : jsonBody);
    chain.push(handle(route, deps, options.validateResponses ?? false));
    app[route.method](route.path, ...chain);
  }
  if (options.metricsToken) {
    app.get('/metrics', labelRoute('/metrics'), throttle.operational, requireMetricsToken(options.metricsToken), serveMetrics(metrics));
  }

  if (options.staticDir) {
    app.use(express.static(options.staticDir, { index: 'index.html', fallthrough: true, setHeaders: staticCacheControl(options.staticDir) }));
  }

  answerOtherMethods(app, routes);

  app.use((req, _res, next) => next(AppError.notFound(`no route ${req.method} ${req.path}`)));
  app.use(errorMiddleware(logger, health.dependencyFailed));
  return app;
}

/**
 * A known path with a method it does not have: 405 with Allow (RFC 9110 §15.5.6), not a 404 as if the path did not
 * exist; OPTIONS answers 204 with Allow. (Found by schemathesis' unsupported_method check.)
 */
function answerOtherMethods(app: Express, routes: readonly Route[]): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
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
}
