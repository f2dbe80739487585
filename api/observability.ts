// Request ids, one log line per request, and the Prometheus metrics.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../infra/logger';

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
    help: 'Requests answered 429, by the limit they hit (token, attempts, address)',
    labelNames: ['limit'] as const,
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
