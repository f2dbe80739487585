// The whole runtime configuration: one zod schema, parsed once at start-up, failing fast with the
// name of every bad variable.
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
const TEAM = /^[A-Z][A-Z0-9_]*$/;

export const configSchema = z.object({
  PORT: env(z.coerce.number(PORT).int(PORT).min(0, PORT).max(65535, PORT).default(3000)),
  DATABASE_URL: env(postgresUrl),
  TEMPORAL_ADDRESS: env(
    z
      .string()
      .trim()
      .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
      .default('127.0.0.1:7233'),
  ),
  TEMPORAL_NAMESPACE: env(z.string().trim().default('default')),
  TEMPORAL_TASK_QUEUE: env(z.string().trim().default('disputes')),
  ADMIN_TOKEN: env(z.string().trim().optional()),
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
  WORKER_METRICS_ADDRESS: env(z.string().trim().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').optional()),
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
