import type { ApiClient } from './client';
import { sleep } from './clock';

export interface LedgerEntry {
  eventId: string;
  kind: string;
  amount: string;
  cause: string;
}

/** What the rewards API says: a fan's own entries (GET /rewards/me) and the event's totals per kind (staff). */
export class Ledger {
  constructor(
    private readonly staff: ApiClient,
    readonly eventId: string,
  ) {}

  /** False when the API has no rewards context (the column then says so instead of a number). */
  async available(): Promise<boolean> {
    const a = await this.staff.attempt('GET', `/api/v1/events/${this.eventId}/reward-pools`);
    return a.status === 200;
  }

  async totals(): Promise<Record<string, { paid: string; entries: number }>> {
    const a = await this.staff.attempt<{ byKind: { kind: string; paid: string; entries: number }[] }>('GET', `/api/v1/events/${this.eventId}/reward-totals`);
    if (a.status !== 200) return {};
    return Object.fromEntries((a.body.byKind ?? []).map((t) => [t.kind, { paid: String(t.paid), entries: Number(t.entries) }]));
  }

  /** Waits until the event's ledger stops growing (rewards are written in batches, off the request path). */
  async settle(maxMs = 8000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = '';
    for (;;) {
      const now = JSON.stringify(await this.totals());
      if (now === last || Date.now() > deadline) return;
      last = now;
      await sleep(700);
    }
  }

  /** The account's own entries for this event, as the fan's app shows them. */
  async entriesOf(fan: ApiClient): Promise<LedgerEntry[]> {
    const a = await fan.attempt<{ entries: LedgerEntry[] }>('GET', '/api/v1/rewards/me');
    if (a.status !== 200) return [];
    return (a.body.entries ?? []).filter((e) => e.eventId === this.eventId);
  }
}

export const sum = (entries: LedgerEntry[]) => entries.reduce((a, e) => a + BigInt(e.amount), 0n);

/** 10^18 units as a short decimal string (`12.5`). */
export function fanTokens(units: bigint): string {
  const whole = units / 10n ** 18n;
  const frac = (units % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '').slice(0, 3);
  return frac ? `${whole}.${frac}` : `${whole}`;
}
