// The whole runtime configuration: one zod schema, parsed once at start-up, failing fast with the
// name of every bad variable.
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { amountInput } from '../contract/primitives';
import { parseMoney } from '../domain/money';
import { DEFAULT_DEDUCTION_RULES } from '../domain/payments';
import { DEFAULT_BASE_CURRENCY } from '../domain/types';
import { DEFAULT_THROTTLE } from '../api/throttle';

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

// Hours, fractions allowed (0.01 = 36 s): what `npm start -- --demo` uses to show escalations within a minute.
const POSITIVE_HOURS = { error: 'must be a positive number of hours, e.g. 48 or 0.5' };
const positiveHours = (fallback: number) =>
  env(z.coerce.number(POSITIVE_HOURS).positive(POSITIVE_HOURS).finite(POSITIVE_HOURS).default(fallback));

/** A PEM file named by its path, read at start-up: a missing or unreadable file stops the start, naming the variable. */
const pemFile = z
  .string()
  .trim()
  .transform((file, ctx) => {
    try {
      const pem = readFileSync(file);
      if (!pem.includes('-----BEGIN ')) ctx.addIssue({ code: 'custom', message: `${file} is not a PEM file (no -----BEGIN line)` });
      return { file, pem };
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      return z.NEVER;
    }
  });

const BOOLEAN = { error: 'must be true or false' };

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

// An amount greater than 0 as the API takes it ("25", "25.00"), in minor units.
const positiveMoney = amountInput.transform((amount) => parseMoney(amount));

/** The task queue the API starts cases on and the worker polls, unless TEMPORAL_TASK_QUEUE says another. */
export const DEFAULT_TASK_QUEUE = 'disputes';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel = env(z.enum(LOG_LEVELS).default('info'));

export const configSchema = z.object({
  PORT: env(z.coerce.number(PORT).int(PORT).min(0, PORT).max(65535, PORT).default(3000)),
  DATABASE_URL: env(postgresUrl),
  TEMPORAL_ADDRESS: env(hostPort.default('127.0.0.1:7233')),
  TEMPORAL_NAMESPACE: env(z.string().trim().default('default')),
  TEMPORAL_TASK_QUEUE: env(z.string().trim().default(DEFAULT_TASK_QUEUE)),
  ADMIN_TOKEN: env(secret.optional()),
  LOG_LEVEL: logLevel,
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
  TASK_SLA_HOURS: positiveHours(48),
  APPROVAL_SLA_HOURS: positiveHours(24),
  RESOLUTION_SLA_HOURS: positiveHours(72),
  /** The currency of a manager's approvalLimit; limits in others are the manager's approvalLimits. */
  BASE_CURRENCY: env(z.string().trim().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default(DEFAULT_BASE_CURRENCY)),
  /** A deduction from this amount opens (or joins) a dispute case on its invoice. */
  DEDUCTION_CASE_MIN: env(positiveMoney.default(DEFAULT_DEDUCTION_RULES.caseMinMinor)),
  /** A deduction below this amount is written off by rule instead (a versioned rule); unset: never. */
  AUTO_WRITE_OFF_MAX: env(positiveMoney.optional()),
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
  /** Requests without a token this replica knows valid, per client address and minute (api/throttle.ts). */
  AUTH_ATTEMPTS_PER_MINUTE: positiveInt(DEFAULT_THROTTLE.attempts.limit),

  // How the API and the worker reach a secured Temporal (Temporal Cloud, a cluster behind TLS): see temporal-connection.ts.
  /** Sent as `authorization: Bearer <key>` on every call; turns TLS on unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: env(z.string().trim().optional()),
  /** Unset: TLS when any TEMPORAL_TLS_* file or an API key is set. */
  TEMPORAL_TLS: env(z.enum(['true', 'false', '1', '0'], BOOLEAN).transform((v) => v === 'true' || v === '1').optional()),
  /** Client certificate and its key (mTLS), PEM files; one without the other is an error. */
  TEMPORAL_TLS_CERT: env(pemFile.optional()),
  TEMPORAL_TLS_KEY: env(pemFile.optional()),
  /** The CA that signed the server's certificate, when the system's roots do not cover it. */
  TEMPORAL_TLS_CA: env(pemFile.optional()),
  /** The name the server's certificate must carry, when it is not the host of TEMPORAL_ADDRESS. */
  TEMPORAL_TLS_SERVER_NAME: env(z.string().trim().optional()),
  /** Where the worker POSTs notifications (activities/notify.ts); unset: they are log lines. */
  NOTIFY_WEBHOOK_URL: env(z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional()),
  /** The HMAC-SHA256 key the webhook's receiver checks each notification's signature with; required with the URL. */
  NOTIFY_WEBHOOK_SECRET: env(secret.optional()),
  /** How long one attempt waits for the webhook's answer. */
  NOTIFY_WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** Base URL of the Temporal Web UI the web app links each case's workflow to; unset: no link. */
  TEMPORAL_UI_URL: env(z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).transform((u) => u.replace(/\/+$/, '')).optional()),
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
  const config = parse(configSchema, source);
  // Rules across variables (kept out of the schema, whose fields other tools pick from).
  const issues: string[] = [];
  if (config.TEMPORAL_TLS_CERT && !config.TEMPORAL_TLS_KEY) issues.push('TEMPORAL_TLS_KEY: is required with TEMPORAL_TLS_CERT');
  if (config.TEMPORAL_TLS_KEY && !config.TEMPORAL_TLS_CERT) issues.push('TEMPORAL_TLS_CERT: is required with TEMPORAL_TLS_KEY');
  if (config.TEMPORAL_TLS === false && (config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS_SERVER_NAME)) {
    issues.push('TEMPORAL_TLS: is false, but TEMPORAL_TLS_* files or a server name are set');
  }
  if (config.NOTIFY_WEBHOOK_URL && !config.NOTIFY_WEBHOOK_SECRET) issues.push('NOTIFY_WEBHOOK_SECRET: is required with NOTIFY_WEBHOOK_URL');
  if (issues.length) throw new ConfigError(issues);
  return config;
}

/**
 * LOG_LEVEL as the configuration reads it, for the logger, which exists before any configuration is loaded: a bad
 * value (refused at start-up by loadConfig, which names it) must not stop the logger itself, so it logs at info.
 */
export function loadLogLevel(source: NodeJS.ProcessEnv = process.env): LogLevel {
  const parsed = logLevel.safeParse(source.LOG_LEVEL);
  return parsed.success ? parsed.data : 'info';
}

const startPort = (fallback: number) => env(z.coerce.number(PORT).int(PORT).min(1, PORT).max(65535, PORT).default(fallback));

/** What only `npm start` reads: the ports of the servers it runs itself. */
export const startSchema = z.object({
  EMBEDDED_PG_PORT: startPort(5433),
  TEMPORAL_DEV_PORT: startPort(7233),
  TEMPORAL_DEV_UI_PORT: startPort(8233),
});
export type StartConfig = z.infer<typeof startSchema>;

export function loadStartConfig(source: NodeJS.ProcessEnv = process.env): StartConfig {
  return parse(startSchema, source);
}

const databaseSchema = configSchema.pick({ DATABASE_URL: true, PG_POOL_MAX: true, LOG_LEVEL: true });
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** Only what a database-only tool (`npm run migrate`) needs. */
export function loadDatabaseConfig(source: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  return parse(databaseSchema, source);
}
