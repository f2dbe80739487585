// Every request's id, its child logger, and its one log line and duration metric when it ends.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../infra/logger';
import type { AppMetrics } from './observability';

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

/** Names the request's route (its template) for the log line and the metrics. */
export function labelRoute(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.route = path;
    next();
  };
}
