import { CLOCK_SKEW_MS } from './limits';

/** The API could not be reached or did not answer in time (nothing is known about the request's effect). */
export class NetworkError extends Error {}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  /** The JSON body (problem+json for refusals: `code`, `detail`, ...). */
  body: T & { code?: string; detail?: string; title?: string };
}

/**
 * The device's clock against the API's, from the Date header of every answer (1 s resolution, so
 * the estimate is the middle of that second against the middle of the round trip).
 */
export class Clock {
  offsetMs: number | undefined;
  uncertaintyMs = 0;
  measuredAt: number | undefined;

  constructor(initial?: { offsetMs: number }) {
    this.offsetMs = initial?.offsetMs;
  }

  sample(dateHeader: string | null, sentAtMs: number, receivedAtMs: number): void {
    const server = dateHeader ? Date.parse(dateHeader) : NaN;
    if (!Number.isFinite(server)) return;
    const rtt = receivedAtMs - sentAtMs;
    const uncertainty = 500 + rtt / 2;
    // A sample from a slow round trip is worth less than a recent good one.
    if (this.measuredAt !== undefined && Date.now() - this.measuredAt < 60_000 && uncertainty > this.uncertaintyMs * 2 + 250) return;
    this.offsetMs = Math.round(server + 500 - (sentAtMs + receivedAtMs) / 2);
    this.uncertaintyMs = Math.round(uncertainty);
    this.measuredAt = Date.now();
  }

  /** The API's time now, as well as we know it. */
  serverNow(): number {
    return Date.now() + (this.offsetMs ?? 0);
  }

  /** Why signing must wait, or undefined when the clock is within the API's window. */
  refusal(): string | undefined {
    if (this.offsetMs === undefined || Math.abs(this.offsetMs) <= CLOCK_SKEW_MS) return undefined;
    return `this device's clock is ${describeOffset(this.offsetMs)} the API's; the API refuses messages more than ${CLOCK_SKEW_MS / 1000} s off, so the agent does not sign. Sync the clock (NTP: \`timedatectl set-ntp true\`, or chrony).`;
  }
}

export function describeOffset(offsetMs: number): string {
  const s = (Math.abs(offsetMs) / 1000).toFixed(1);
  // offset = server - local: positive means the device is behind
  return offsetMs >= 0 ? `${s} s behind` : `${s} s ahead of`;
}

/** A small JSON client over fetch that times out, measures the clock, and never throws for an HTTP status. */
export class ApiClient {
  readonly base: string;
  readonly clock: Clock;

  constructor(
    base: string,
    clock = new Clock(),
    private readonly timeoutMs = 10_000,
  ) {
    this.base = base.replace(/\/+$/, '');
    this.clock = clock;
  }

  async request<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<Answer<T>> {
    const t0 = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new NetworkError(`${method} ${this.base}${path}: ${why}`);
    }
    this.clock.sample(res.headers.get('date'), t0, Date.now());
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { detail: text.slice(0, 200) };
      }
    }
    return { status: res.status, body: parsed as Answer<T>['body'] };
  }
}
