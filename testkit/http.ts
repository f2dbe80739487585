// The HTTP client of the chaos and schemathesis runs: every answer is counted by status; a 5xx other than 503 and a
// request that hangs are recorded as failures (bad input and outages must never produce either). Only 127.0.0.1 is
// ever called.
export interface Answer<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  ms: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
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
  constructor(
    readonly baseUrl: string,
    readonly stats = new HttpStats(),
  ) {
    const host = new URL(baseUrl).hostname;
    if (host !== '127.0.0.1') throw new Error(`refusing to talk to ${host}: the chaos run only talks to 127.0.0.1`);
  }

  /** One request; status 0 when it did not answer within timeoutMs (a hang) or the connection failed. */
  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.stats.requests += 1;
    try {
      const res = await fetch(this.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const ms = Date.now() - started;
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
      const what = `${method} ${path} → ${name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message}`;
      if (name === 'TimeoutError') this.stats.hangs.push({ at: new Date().toISOString(), what });
      else this.stats.unexpected.push({ at: new Date().toISOString(), what });
      return { status: HANG_STATUS, body: null as T, ms };
    }
  }

  /**
   * A request that must eventually get a definite answer: 429 waits for Retry-After, 503 (an outage; the command
   * may or may not have applied, which the Idempotency-Key makes safe) and no-answer are retried until `untilMs`.
   */
  async send<T = any>(method: string, path: string, options: CallOptions & { untilMs?: number } = {}): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + (options.untilMs ?? 180_000);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.call<T>(method, path, options);
      const transient = answer.status === 429 || answer.status === 503 || answer.status === HANG_STATUS;
      if (!transient || Date.now() > deadline) return answer;
      const retryAfter = answer.status === 429 ? 1_000 : Math.min(500 * 2 ** attempt, 3_000);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * (0.75 + Math.random() / 2)));
    }
  }
}
