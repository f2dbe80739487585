// The API's Prometheus metrics, in one registry per app (GET /metrics serves it: api/metrics-endpoint.ts).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { rateLimitedCounter } from './throttle';

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
  readonly rateLimited = rateLimitedCounter(this.registry);

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
