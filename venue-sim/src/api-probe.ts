import type { ApiClient } from './client';

/**
 * Watches the API from outside while a scenario runs: its resident memory (process metrics on
 * /metrics) and how long a cheap read takes (GET /health/live-like: the venue list). A slow probe
 * means the API stalled for everyone, not only for the sim's traffic.
 */
export class ApiProbe {
  peakBytes = 0;
  lastBytes = 0;
  /** The slowest answer to the probe read, ms, and when. */
  longestStallMs = 0;
  longestStallAt?: string;
  /** Probe reads slower than a second. */
  stallsOver1s = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly client: ApiClient) {}

  async sample(): Promise<void> {
    const t0 = performance.now();
    const res = await fetch(this.client.baseUrl + '/metrics', { signal: AbortSignal.timeout(60_000) }).catch(() => undefined);
    const text = res?.ok ? await res.text() : '';
    const ms = performance.now() - t0;
    if (ms > 1000) this.stallsOver1s++;
    if (ms > this.longestStallMs) {
      this.longestStallMs = Math.round(ms);
      this.longestStallAt = new Date().toISOString();
    }
    const m = /^\w*process_resident_memory_bytes\s+([0-9.e+]+)/m.exec(text);
    if (!m) return;
    this.lastBytes = Number(m[1]);
    this.peakBytes = Math.max(this.peakBytes, this.lastBytes);
  }

  start(everyMs = 1000): void {
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.sample().finally(() => (busy = false));
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const mb = (bytes: number) => (bytes ? `${Math.round(bytes / 1_048_576)} MB` : 'n/a');
