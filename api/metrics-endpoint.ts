// Prometheus' GET /metrics is not for the public (it shows commands by outcome, 401 counts, the Node version, memory).
// Two ways to serve it, as Prometheus users expect, either or both:
// - on the API's port to a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` (the scrape config's
//   `authorization: { credentials: … }`);
// - on a listener of its own, METRICS_ADDRESS (host:port), without auth: bind it where only the monitoring network
//   reaches.
// With neither, /metrics is a 404 on the API.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import { listen } from './listen';
import express, { type RequestHandler } from 'express';
import { bearerToken } from './auth';
import { sendError } from './error-answer';
import { AppError } from './errors';
import type { AppMetrics } from './observability';
import { securityHeaders } from './security-headers';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** 401 unless the request carries the metrics token. */
export function requireMetricsToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const presented = bearerToken(req.get('authorization'));
    // Equal-length digests compared in constant time: how long the refusal takes says nothing about the token.
    const ok = presented !== null && timingSafeEqual(digest(presented), expected);
    next(ok ? undefined : AppError.unauthorized('the metrics token is required'));
  };
}

export function serveMetrics(metrics: AppMetrics): RequestHandler {
  return async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** The METRICS_ADDRESS listener: GET /metrics and nothing else. */
export async function listenForMetrics(address: string, metrics: AppMetrics): Promise<Server> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);
  app.get('/metrics', serveMetrics(metrics));
  app.use((req, res) => sendError(res, AppError.notFound(`only GET /metrics is served here, not ${req.method} ${req.path}`)));
  return listen(app, port, host);
}
