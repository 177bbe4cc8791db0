import type { EventStatus, EventView } from '@fanmesh/protocol';
import { ApiClient, NetworkError } from './api';
import type { Logger } from './log';
import type { StateFile } from './state';

/** Statuses in which the API takes readings; challenges only while gates are open or the match is live. */
export const READINGS_OPEN: ReadonlySet<EventStatus> = new Set(['gates_open', 'live', 'ended']);
export const CHALLENGES_OPEN: ReadonlySet<EventStatus> = new Set(['gates_open', 'live']);
const FINISHED: ReadonlySet<EventStatus> = new Set(['settled', 'cancelled']);

/**
 * Which event the device is working for: the one given with --event, else the venue's event that
 * is live (or has its gates open), looked up on the public `GET /events?venueId=`. The last one
 * seen is kept in the state file, so readings taken during an outage (or after a restart in one)
 * still name their event.
 */
export class EventTracker {
  private lastFetch = 0;
  private fetching: Promise<void> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly state: StateFile,
    private readonly log: Logger,
    private readonly fixedEventId?: string,
    private readonly refreshMs = 15_000,
  ) {}

  get venueId(): string | undefined {
    return this.state.state.venueId;
  }

  /** The event readings taken now belong to (or undefined when none is open / known). */
  current(): { id: string; status: EventStatus } | undefined {
    const e = this.state.state.event;
    if (this.fixedEventId) return { id: this.fixedEventId, status: (e?.id === this.fixedEventId ? e.status : 'live') as EventStatus };
    return e && READINGS_OPEN.has(e.status as EventStatus) ? { id: e.id, status: e.status as EventStatus } : undefined;
  }

  /** Refreshes from the API when the last look is older than the refresh interval (or `force`). */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastFetch < this.refreshMs) return;
    this.fetching ??= this.fetch().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  /** What the API says of one event now (for a refused envelope), or undefined when it has none. */
  async status(eventId: string): Promise<EventStatus | 'unknown' | undefined> {
    try {
      const a = await this.api.request<EventView>('GET', `/api/v1/events/${eventId}`);
      if (a.status === 404) return undefined;
      return a.status === 200 ? a.body.status : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  isFinished(status: EventStatus | 'unknown' | undefined): boolean {
    return status === undefined || (status !== 'unknown' && FINISHED.has(status));
  }

  private async fetch(): Promise<void> {
    this.lastFetch = Date.now();
    try {
      if (this.fixedEventId) {
        const a = await this.api.request<EventView>('GET', `/api/v1/events/${this.fixedEventId}`);
        if (a.status === 200) this.remember(a.body);
        else this.log.every('event-missing', 60_000, 'warn', `the API has no event ${this.fixedEventId} (--event): ${a.body.detail ?? a.status}`);
        return;
      }
      const venueId = this.state.state.venueId;
      if (!venueId) {
        this.log.every(
          'no-venue',
          300_000,
          'warn',
          'the venue of this device is unknown (it was paired without the agent signing the registration): pass --venue <uuid> or --event <uuid>',
        );
        return;
      }
      const a = await this.api.request<EventView[]>('GET', `/api/v1/events?venueId=${venueId}`);
      if (a.status !== 200 || !Array.isArray(a.body)) return;
      const rank = (e: EventView) => (e.status === 'live' ? 0 : e.status === 'gates_open' ? 1 : 2);
      const open = a.body
        .filter((e) => e.status === 'live' || e.status === 'gates_open')
        .sort((x, y) => rank(x) - rank(y) || Date.parse(y.statusChangedAt) - Date.parse(x.statusChangedAt));
      const known = this.state.state.event && a.body.find((e) => e.id === this.state.state.event!.id);
      const next = open[0] ?? known;
      if (next) this.remember(next);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
    }
  }

  private remember(e: EventView): void {
    const prev = this.state.state.event;
    if (prev?.id === e.id && prev.status === e.status) return;
    if (prev?.id !== e.id) this.log.info(`working for event ${e.id} (${e.name}, ${e.status})`);
    else this.log.info(`event ${e.id} is now ${e.status}`);
    this.state.update({ event: { id: e.id, status: e.status, seenAt: new Date().toISOString() } });
  }
}
