// Request ids, one log line per request, Prometheus metrics, and a per-caller rate limit.
import { createHash, randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../infra/logger';
import { AppError, sendError } from './errors';

export class AppMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly casesOpened = new Counter({
    name: 'disputes_opened_total',
    help: 'Dispute cases opened (replays of an Idempotency-Key not counted)',
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'dispute_commands_total',
    help: 'Commands sent to dispute workflows, by command and outcome (HTTP status)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'http_requests_rate_limited_total',
    help: 'Requests answered 429',
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Gives every request an id (kept from X-Request-Id when sane), a child logger, and its log line and metrics. */
export function requestContext(logger: Logger, metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ reqId: requestId });
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Route templates only: a raw path as a label would let any caller grow the metric without bound.
      const route = (res.locals.route as string | undefined) ?? '(unmatched)';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      const line = {
        reqId: requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        route,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        userId: (res.locals.user as { id?: string } | undefined)?.id,
        workflowId: res.locals.workflowId as string | undefined,
      };
      // 503 is an outage someone else reports (health, metrics); other 5xx are bugs.
      if (res.statusCode >= 500 && res.statusCode !== 503) logger.error(line, 'request failed');
      else if (res.statusCode === 503) logger.warn(line, 'request refused: dependency unavailable');
      else logger.info(line, 'request');
    });
    next();
  };
}

export interface RateLimitOptions {
  /** Requests a caller may make at once. */
  burst: number;
  /** Sustained requests per second per caller. */
  perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 200, perSecond: 100 };

/**
 * A token bucket per caller (the bearer token, else the client address), in memory: each API replica limits
 * on its own, which is enough to stop one caller's burst from starving the others.
 */
export function rateLimit(options: RateLimitOptions, metrics: AppMetrics): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const MAX_BUCKETS = 10_000;
  return (req, res, next) => {
    const auth = req.get('authorization');
    const key = auth ? createHash('sha256').update(auth).digest('base64') : `ip:${req.ip}`;
    const now = Date.now();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= MAX_BUCKETS) sweep(buckets, now, options);
      bucket = { tokens: options.burst, at: now };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.at) / 1000) * options.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      metrics.rateLimited.inc();
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond));
      sendError(res, new AppError(429, 'RATE_LIMITED', 'too many requests; slow down', [], { 'Retry-After': String(retryAfter) }));
      return;
    }
    bucket.tokens -= 1;
    next();
  };
}

function sweep(buckets: Map<string, { tokens: number; at: number }>, now: number, options: RateLimitOptions): void {
  const refillMs = (options.burst / options.perSecond) * 1000;
  for (const [key, b] of buckets) if (now - b.at > refillMs) buckets.delete(key);
  // Still full of active callers: forget the oldest half rather than grow without bound.
  if (buckets.size >= 10_000) [...buckets.keys()].slice(0, buckets.size / 2).forEach((k) => buckets.delete(k));
}
