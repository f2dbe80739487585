// One pino logger for every process: JSON lines on stdout, level from LOG_LEVEL (read by config.ts).
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import { loadLogLevel } from './config';

export type { Logger } from 'pino';

export const logger: Logger = pino({
  level: loadLogLevel(),
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/** A child of the root logger tagged with the component name (`{"name":"worker",...}`). */
export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return logger.child({ name, ...bindings });
}

/** Adapts a pino logger to the Temporal SDK's Logger, e.g. `Runtime.install({ logger: temporalLogger(log) })`. */
export function temporalLogger(log: Logger): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void => {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    log[method](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
