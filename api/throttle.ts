// Throttling, in the memory of each API process, decided before anything costly runs:
// - a caller whose token this process has already found valid spends from that token's own bucket;
// - any other request on a protected route (no token, or a token this process has not seen valid) spends from its
//   client address's allowance of authentication attempts, at most `attempts.limit` per `attempts.windowMs`
//   (lookups still running count as spent), and once that is spent it is refused before its token is looked up;
// - the operational endpoints (/health, /openapi.json, /metrics) have a bucket per client address.
// Keying known tokens apart from addresses is what keeps a guesser from starving the people behind the same NAT or
// proxy address: once a token has worked here, its owner no longer depends on the address's allowance.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { Counter, type Registry } from 'prom-client';
import { AppError } from './errors';

export interface Rate {
  /** Requests at once. */
  burst: number;
  /** Requests per second, sustained. */
  perSecond: number;
}

export interface ThrottleOptions {
  /** Each known token's bucket. */
  perToken: Rate;
  /** Each client address's bucket on the operational endpoints. */
  perAddress: Rate;
  /** Each client address's authentication attempts (no token, or one not known valid), over a sliding window. */
  attempts: { limit: number; windowMs: number };
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  perToken: { burst: 200, perSecond: 100 },
  perAddress: { burst: 100, perSecond: 10 },
  attempts: { limit: 100, windowMs: 60_000 },
};

/** One authentication attempt let through: tell the throttle how it ended. */
export interface Attempt {
  /** The token was looked up: valid (the caller is now known by its token) or not (an attempt spent). */
  settle(valid: boolean): void;
  /** The lookup itself failed (the database is down): nothing is learnt, nothing spent. */
  abandon(): void;
}

export interface Throttle {
  /** Before the token is looked up; throws 429 when this caller must wait. */
  admit(req: Request, token: string | null): Attempt;
  /** Middleware for the operational endpoints. */
  readonly operational: RequestHandler;
}

/** Bounds each map; past it, idle entries go first, then the oldest. */
const MAX_KEYS = 10_000;

type Limit = 'token' | 'address' | 'attempts';

/** The requests refused, by the limit they hit: one of the app's metrics (AppMetrics.rateLimited). */
export function rateLimitedCounter(registry: Registry): Counter<'limit'> {
  return new Counter({
    name: 'http_requests_rate_limited_total',
    help: 'Requests answered 429, by the limit they hit (token, attempts, address)',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
}

export function createThrottle(options: ThrottleOptions, rateLimited: Counter<'limit'>): Throttle {
  const tokens = new TokenBuckets(options.perToken);
  const addresses = new TokenBuckets(options.perAddress);
  const attempts = new AttemptWindows(options.attempts);
  const refuse = (limit: Limit, waitSeconds: number): AppError => {
    rateLimited.inc({ limit });
    return new AppError(429, 'RATE_LIMITED', 'too many requests; slow down', [], { 'Retry-After': String(waitSeconds) });
  };

  return {
    admit(req, token) {
      const key = token === null ? null : tokenKey(token);
      if (key !== null && tokens.has(key)) {
        const wait = tokens.take(key, performance.now());
        if (wait > 0) throw refuse('token', wait);
        return {
          settle: (valid) => {
            if (!valid) tokens.forget(key); // revoked since: the next try is an attempt like any other
          },
          abandon: () => undefined,
        };
      }
      const address = clientAddress(req);
      const wait = attempts.begin(address, performance.now());
      if (wait > 0) throw refuse('attempts', wait);
      if (key === null) {
        attempts.end(address, true, performance.now());
        return { settle: () => undefined, abandon: () => undefined };
      }
      return {
        settle: (valid) => {
          attempts.end(address, !valid, performance.now());
          if (valid) tokens.take(key, performance.now());
        },
        abandon: () => attempts.end(address, false, performance.now()),
      };
    },
    operational: (req, _res, next) => {
      const wait = addresses.take(clientAddress(req), performance.now());
      next(wait > 0 ? refuse('address', wait) : undefined);
    },
  };
}

/** For when throttling is off (benchmarks, most tests). */
export const NO_THROTTLE: Throttle = {
  admit: () => ({ settle: () => undefined, abandon: () => undefined }),
  operational: (_req, _res, next) => next(),
};

function tokenKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

/**
 * The address a limit applies to: req.ip (which honours `trust proxy`), IPv6 by its /64, since one host commonly
 * holds a whole /64 and could otherwise take a fresh address per request.
 */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1];
  if (!isIPv6(ip)) return ip;
  const bare = ip.split('%')[0].toLowerCase();
  const [head, tail] = bare.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) {
    const rest = tail ? tail.split(':') : [];
    groups.push(...Array<string>(Math.max(0, 8 - groups.length - rest.length)).fill('0'), ...rest);
  }
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Token buckets by key: take() spends one, or answers how many seconds to wait for one. */
class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly rate: Rate) {}

  has(key: string): boolean {
    return this.buckets.has(key);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  take(key: string, now: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_KEYS) this.sweep(now);
      bucket = { tokens: this.rate.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate.perSecond));
    bucket.tokens -= 1;
    return 0;
  }

  private sweep(now: number): void {
    const refillMs = (this.rate.burst / this.rate.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > refillMs) this.buckets.delete(key);
    dropOldestHalf(this.buckets);
  }
}

/**
 * Failed attempts per address in a sliding window: the times of the last `limit` failures, plus the attempts still
 * being looked up. An address may start an attempt while its failures in the window plus its attempts in flight are
 * fewer than `limit`, so no more than `limit` fail in any window, however many arrive at once.
 */
class AttemptWindows {
  private readonly windows = new Map<string, { failures: Float64Array; inFlight: number }>();
  constructor(private readonly options: ThrottleOptions['attempts']) {}

  /** 0 when the attempt may go on (it is then in flight until end()), else the seconds to wait. */
  begin(address: string, now: number): number {
    let window = this.windows.get(address);
    if (!window) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { failures: new Float64Array(this.options.limit).fill(-Infinity), inFlight: 0 };
      this.windows.set(address, window);
    }
    const since = now - this.options.windowMs;
    let recent = 0;
    let oldestRecent = Infinity;
    for (const at of window.failures) {
      if (at > since) {
        recent += 1;
        oldestRecent = Math.min(oldestRecent, at);
      }
    }
    if (recent + window.inFlight >= this.options.limit) {
      // Full of failures: the oldest leaves the window first. Full of lookups in flight: they end within a second.
      return recent ? Math.max(1, Math.ceil((oldestRecent + this.options.windowMs - now) / 1000)) : 1;
    }
    window.inFlight += 1;
    return 0;
  }

  end(address: string, failed: boolean, now: number): void {
    const window = this.windows.get(address);
    if (!window) return; // swept while the lookup ran
    window.inFlight = Math.max(0, window.inFlight - 1);
    if (!failed) return;
    // begin() let this attempt in only with a slot to spare, so the oldest failure, replaced here, is outside the window.
    let oldest = 0;
    for (let i = 1; i < window.failures.length; i++) if (window.failures[i] < window.failures[oldest]) oldest = i;
    window.failures[oldest] = now;
  }

  private sweep(now: number): void {
    const since = now - this.options.windowMs;
    for (const [address, w] of this.windows) {
      if (w.inFlight === 0 && w.failures.every((at) => at <= since)) this.windows.delete(address);
    }
    dropOldestHalf(this.windows);
  }
}

/** Still full of active keys after a sweep: forget the oldest half rather than grow without bound. */
function dropOldestHalf(map: Map<string, unknown>): void {
  if (map.size < MAX_KEYS) return;
  let drop = map.size / 2;
  for (const key of map.keys()) {
    if (drop-- <= 0) break;
    map.delete(key);
  }
}
