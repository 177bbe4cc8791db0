/** What a run measures: per-second counts of each series, latencies, and errors. */
export class Meter {
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly latencies = new Map<string, number[]>();
  private readonly totals = new Map<string, number>();
  /** Transport errors and 5xx answers: the platform failing, never a refusal the sim provoked. */
  errors = 0;
  readonly errorSamples: string[] = [];

  count(series: string, n = 1, ms?: number): void {
    const sec = Math.floor(Date.now() / 1000);
    let m = this.perSecond.get(series);
    if (!m) this.perSecond.set(series, (m = new Map()));
    m.set(sec, (m.get(sec) ?? 0) + n);
    this.totals.set(series, (this.totals.get(series) ?? 0) + n);
    if (ms !== undefined) {
      let l = this.latencies.get(series);
      if (!l) this.latencies.set(series, (l = []));
      l.push(ms);
    }
  }

  error(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 10) this.errorSamples.push(what);
  }

  /** An observer for ApiClient: every answer is a message; 5xx and unreachable are errors. */
  observer = (status: number, ms: number): void => {
    this.count('messages', 1, ms);
    if (status === 0 || status >= 500) this.error(`HTTP ${status || 'unreachable'}`);
  };

  total(series: string): number {
    return this.totals.get(series) ?? 0;
  }

  /** The last complete second's rate. */
  rate(series: string): number {
    const now = Math.floor(Date.now() / 1000);
    return this.perSecond.get(series)?.get(now - 1) ?? 0;
  }

  peak(series: string): number {
    return Math.max(0, ...(this.perSecond.get(series)?.values() ?? []));
  }

  percentile(series: string, p: number): number {
    const l = [...(this.latencies.get(series) ?? [])].sort((a, b) => a - b);
    return l.length ? Math.round(l[Math.min(l.length - 1, Math.floor(l.length * p))]) : 0;
  }

  /** Latencies recorded since `from` (an index from `mark`), for a ramp step. */
  mark(series: string): number {
    return this.latencies.get(series)?.length ?? 0;
  }

  percentileSince(series: string, from: number, p: number): number {
    const l = (this.latencies.get(series) ?? []).slice(from).sort((a, b) => a - b);
    return l.length ? Math.round(l[Math.min(l.length - 1, Math.floor(l.length * p))]) : 0;
  }
}
