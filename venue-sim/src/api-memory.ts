import type { ApiClient } from './client';

/** Samples the API's resident memory from its Prometheus /metrics (process metrics of the API process). */
export class ApiMemory {
  peakBytes = 0;
  lastBytes = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly client: ApiClient) {}

  async sample(): Promise<void> {
    const res = await fetch(this.client.baseUrl + '/metrics').catch(() => undefined);
    if (!res?.ok) return;
    const m = /^\w*process_resident_memory_bytes\s+([0-9.e+]+)/m.exec(await res.text());
    if (!m) return;
    this.lastBytes = Number(m[1]);
    this.peakBytes = Math.max(this.peakBytes, this.lastBytes);
  }

  start(everyMs = 5000): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const mb = (bytes: number) => (bytes ? `${Math.round(bytes / 1_048_576)} MB` : 'n/a');
