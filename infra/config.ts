// The whole runtime configuration: one zod schema, parsed once at start-up, failing fast with the
// name of every bad variable.
import { isIP } from 'node:net';
import { z } from 'zod';
import { LOG_LEVELS } from './logger';

// An empty variable (`FOO=`) means "not set", so defaults apply and required checks fire.
const unsetIfEmpty = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const env = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema);

const POSITIVE_INT = { error: 'must be a positive integer' };
const positiveInt = (fallback: number) =>
  env(z.coerce.number(POSITIVE_INT).int(POSITIVE_INT).positive(POSITIVE_INT).default(fallback));

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL');

const PORT = { error: 'must be a port number (0-65535)' };
const hostPort = z.string().trim().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

// A bearer secret: long enough that guessing it at any rate the throttle allows is hopeless.
const SECRET_MIN = 32;
const secret = z
  .string()
  .trim()
  .min(SECRET_MIN, `must be at least ${SECRET_MIN} characters (e.g. \`openssl rand -base64 32\`)`);

// Whose X-Forwarded-For to believe: a number of proxy hops, or the proxies' addresses (CIDR, or express's names).
// Never "true": every client would then choose its own address, and with it a fresh throttle allowance per request.
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyAddress = (entry: string): boolean => {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [ip, bits, ...rest] = entry.split('/');
  const version = isIP(ip);
  if (!version || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};
const trustProxy = z.string().transform((value, ctx): number | string[] => {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (bad.length || !entries.length) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a number of proxy hops, or the proxies' addresses (IP, CIDR, loopback, linklocal, uniquelocal)${bad.length ? `; not: ${bad.join(', ')}` : ''}`,
    });
    return z.NEVER;
  }
  return entries;
});
const TEAM = /^[A-Z][A-Z0-9_]*$/;

export const configSchema = z.object({
  PORT: env(z.coerce.number(PORT).int(PORT).min(0, PORT).max(65535, PORT).default(3000)),
  DATABASE_URL: env(postgresUrl),
  TEMPORAL_ADDRESS: env(hostPort.default('127.0.0.1:7233')),
  TEMPORAL_NAMESPACE: env(z.string().trim().default('default')),
  TEMPORAL_TASK_QUEUE: env(z.string().trim().default('disputes')),
  ADMIN_TOKEN: env(secret.optional()),
  LOG_LEVEL: env(z.enum(LOG_LEVELS).default('info')),
  TEAMS: env(
    z
      .string()
      .default('ORDER_MANAGEMENT,SALES_OPS')
      .transform((value) => [...new Set(value.split(',').map((team) => team.trim()).filter(Boolean))])
      .pipe(
        z
          .array(z.string().regex(TEAM, 'each team must be UPPER_SNAKE_CASE'))
          .min(1, 'must name at least one team'),
      ),
  ),
  TASK_SLA_HOURS: positiveInt(48),
  APPROVAL_SLA_HOURS: positiveInt(24),
  RESOLUTION_SLA_HOURS: positiveInt(72),
  PG_POOL_MAX: positiveInt(10),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt(1000),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt(50),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt(50),
  /** Where the worker serves the SDK's Prometheus metrics (host:port); unset: not served. */
  WORKER_METRICS_ADDRESS: env(hostPort.optional()),
  /** The bearer token a scraper sends for the API's GET /metrics; unset: not served on the API's port. */
  METRICS_TOKEN: env(secret.optional()),
  /** Where the API serves GET /metrics without auth (host:port, a monitoring network's); unset: no such listener. */
  METRICS_ADDRESS: env(hostPort.optional()),
  /** Behind a load balancer: whose X-Forwarded-For gives the client address the throttle counts by; unset: none. */
  TRUST_PROXY: env(trustProxy.optional()),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
  }
}

function parse<T extends z.ZodType>(schema: T, source: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const shown = issue.code === 'invalid_type' && !source[name]?.trim() ? 'is required' : issue.message;
      return `${name}: ${shown}`;
    }),
  );
}

/** The full configuration of the API and the worker; DATABASE_URL is required. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  return parse(configSchema, source);
}

const databaseSchema = configSchema.pick({ DATABASE_URL: true, PG_POOL_MAX: true, LOG_LEVEL: true });
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** Only what a database-only tool (`npm run migrate`) needs. */
export function loadDatabaseConfig(source: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  return parse(databaseSchema, source);
}
