// The HTTP client of the chaos and schemathesis runs: every answer is counted by status; a 5xx other than 503 and a
// request that hangs are recorded as failures (bad input and outages must never produce either). Only 127.0.0.1 is
// ever called. Given several API replicas it spreads its requests over them in turn, and a request whose
// connection fails (a replica killed) goes at once to the next replica with the same headers, Idempotency-Key
// included, as a load balancer's client would.
export interface Answer<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  ms: number;
  /** No answer because the connection failed (refused or cut: the replica is gone), not a timeout. */
  connectionFailed?: true;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as it is (a camt.054 file), under the content-type `headers` give it; instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** This replica only (a probe of one API); by default the next in turn. */
  baseUrl?: string;
}

export interface Incident {
  at: string;
  what: string;
}

export class HttpStats {
  readonly byStatus = new Map<number, number>();
  readonly serverErrors: Incident[] = [];
  readonly hangs: Incident[] = [];
  readonly unexpected: Incident[] = [];
  /** Requests sent again to another replica after their connection failed. */
  failovers = 0;
  requests = 0;
  slowest = 0;

  count(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
  statusLine(): string {
    return [...this.byStatus.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
  }
}

const HANG_STATUS = 0;

export class Http {
  readonly baseUrls: readonly string[];
  /** Requests sent and not yet answered, per replica. */
  private readonly active = new Map<string, number>();
  /** Requests that got an answer (any status), per replica. */
  private readonly answered = new Map<string, number>();
  private turn = 0;

  constructor(
    baseUrls: string | readonly string[],
    readonly stats = new HttpStats(),
  ) {
    this.baseUrls = typeof baseUrls === 'string' ? [baseUrls] : baseUrls;
    if (!this.baseUrls.length) throw new Error('no API to talk to');
    for (const url of this.baseUrls) {
      const host = new URL(url).hostname;
      if (host !== '127.0.0.1') throw new Error(`refusing to talk to ${host}: the chaos run only talks to 127.0.0.1`);
    }
  }

  /** Requests sent to `baseUrl` and not yet answered. */
  inFlight(baseUrl: string): number {
    return this.active.get(baseUrl) ?? 0;
  }

  /** Requests `baseUrl` has answered (any status). */
  answeredBy(baseUrl: string): number {
    return this.answered.get(baseUrl) ?? 0;
  }

  private next(): string {
    this.turn = (this.turn + 1) % this.baseUrls.length;
    return this.baseUrls[this.turn];
  }

  /** One request; status 0 when it did not answer within timeoutMs (a hang) or the connection failed. */
  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const baseUrl = options.baseUrl ?? this.next();
    this.active.set(baseUrl, this.inFlight(baseUrl) + 1);
    try {
      return await this.attempt<T>(baseUrl, method, path, options);
    } finally {
      this.active.set(baseUrl, this.inFlight(baseUrl) - 1);
    }
  }

  private async attempt<T>(baseUrl: string, method: string, path: string, options: CallOptions): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.stats.requests += 1;
    try {
      const res = await fetch(baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const ms = Date.now() - started;
      this.answered.set(baseUrl, this.answeredBy(baseUrl) + 1);
      this.stats.slowest = Math.max(this.stats.slowest, ms);
      this.stats.count(res.status);
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      if (res.status >= 500 && res.status !== 503) {
        this.stats.serverErrors.push({ at: new Date().toISOString(), what: `${method} ${path} → ${res.status} ${text.slice(0, 300)}` });
      }
      return { status: res.status, body: parsed as T, ms };
    } catch (err) {
      const ms = Date.now() - started;
      this.stats.count(HANG_STATUS);
      const name = (err as Error).name;
      const what = `${method} ${baseUrl}${path} → ${name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message}`;
      if (name === 'TimeoutError') {
        this.stats.hangs.push({ at: new Date().toISOString(), what });
        return { status: HANG_STATUS, body: null as T, ms };
      }
      this.stats.unexpected.push({ at: new Date().toISOString(), what });
      return { status: HANG_STATUS, body: null as T, ms, connectionFailed: true };
    }
  }

  /**
   * A request that must eventually get a definite answer: 429 waits for Retry-After, 503 (an outage; the command
   * may or may not have applied, which the Idempotency-Key makes safe) and no-answer are retried until `untilMs`;
   * a failed connection is sent at once to the next replica (after a pause once every replica has failed it).
   */
  async send<T = any>(method: string, path: string, options: CallOptions & { untilMs?: number } = {}): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + (options.untilMs ?? 180_000);
    let refusedInARow = 0;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.call<T>(method, path, options);
      const transient = answer.status === 429 || answer.status === 503 || answer.status === HANG_STATUS;
      if (!transient || Date.now() > deadline) return answer;
      refusedInARow = answer.connectionFailed ? refusedInARow + 1 : 0;
      if (answer.connectionFailed && !options.baseUrl && refusedInARow < this.baseUrls.length) {
        this.stats.failovers += 1;
        continue;
      }
      const retryAfter = answer.status === 429 ? 1_000 : Math.min(500 * 2 ** attempt, 3_000);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * (0.75 + Math.random() / 2)));
    }
  }
}
