import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { DeliveryContext, DomainEvent, DomainEvents, OnDomainEvent } from '@fanmesh/events';
import { Bus, BUS, BUS_TOPICS, EventStatusBroadcast, RealtimeService } from '@fanmesh/realtime';
import { canTransition, EVENT_TRANSITIONS, EventStatus } from './event-lifecycle';
import type { EventView } from './dto/venue.dto';
import { VenueError } from './venue.error';
import { toEventView } from './venue.mapper';
import type { EventRow } from './venue.model';
import { VenueRepository } from './venue.repository';

/** Who moves an event to `settled` once rewards has published its epoch (the transition log's actor). */
const SETTLEMENT_ACTOR = 'system:rewards';

/**
 * An event's lifecycle. Every move writes `venues.event_status_changed` in the transaction that
 * changes the status; once committed, the move is pushed to `event:<id>` and `staff:<venueId>` and
 * broadcast on the bus so each instance's cached event state follows at once.
 */
@Injectable()
export class EventLifecycleService {
  private readonly logger = new Logger(EventLifecycleService.name);

  constructor(
    private readonly repo: VenueRepository,
    private readonly events: DomainEvents,
    private readonly realtime: RealtimeService,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  /** A staff member's move; a move the lifecycle does not allow, or a stale version, is a 409. */
  async transition(id: string, to: EventStatus, expectedVersion: number | undefined, actor: Principal): Promise<EventView> {
    const current = await this.repo.findEvent(id);
    if (!current) throw new VenueError('event_not_found', `No event ${id}.`);
    requireVenueRole(actor, ['staff'], current.venueId);
    const refuse = (reason: string, now: EventRow) =>
      new VenueError('bad_transition', reason, { from: now.status, to, allowed: EVENT_TRANSITIONS[now.status], version: now.version });
    if (!canTransition(current.status, to)) {
      throw refuse(`An event that is ${current.status} cannot become ${to}; allowed next: ${EVENT_TRANSITIONS[current.status].join(', ') || 'none'}.`, current);
    }
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw refuse(`The event changed since version ${expectedVersion} (now ${current.version}, ${current.status}); reload and try again.`, current);
    }
    const after = await this.repo.transaction((tx) => this.move(tx, current.status, to, id, expectedVersion, actor.subject, (fn) => this.events.afterCommit(tx, fn)));
    if (!after) {
      const now = (await this.repo.findEvent(id))!;
      throw refuse(`Someone else moved the event to ${now.status} first; reload and try again.`, now);
    }
    this.logger.log({ eventId: id, from: current.status, to }, 'event status changed');
    return toEventView(after);
  }

  /**
   * Rewards published the epoch of an ended event: the event is settled. Idempotent: an event that
   * is already settled (or was never ended) is left as it is.
   */
  @OnDomainEvent('rewards.epoch_settled', { consumer: 'venues.settle-event' })
  async epochSettled(events: DomainEvent<'rewards.epoch_settled'>[], ctx: DeliveryContext): Promise<void> {
    for (const { payload } of events) {
      const current = await this.repo.findEvent(payload.eventId, ctx.tx);
      if (current?.status !== 'ended') continue;
      const after = await this.move(ctx.tx, 'ended', 'settled', current.id, undefined, SETTLEMENT_ACTOR, ctx.afterCommit);
      if (after) this.logger.log({ eventId: current.id, epochId: payload.epochId }, 'event settled');
    }
  }

  /**
   * The compare-and-set and its domain event, in `tx`; the live pushes once it has committed.
   * Undefined when the event had moved. Opening the gates (or going live) while another event of the
   * venue has its gates open or is live is 409 `event_overlaps`, naming that event: one venue, one
   * event at a time (under the venue's events lock, so two instances cannot open two at once).
   */
  private async move(
    tx: EntityManager,
    from: EventStatus,
    to: EventStatus,
    id: string,
    expectedVersion: number | undefined,
    actor: string | null,
    afterCommit: (fn: () => void) => void,
  ): Promise<EventRow | undefined> {
    if (to === 'gates_open' || to === 'live') {
      const venueId = (await this.repo.findEvent(id, tx))?.venueId;
      if (venueId) {
        await this.repo.lockVenueEvents(tx, venueId);
        const other = await this.repo.openAtVenue(tx, venueId, id);
        if (other) {
          throw new VenueError('event_overlaps', `${other.name} is ${other.status} at this venue; end it (or close its gates) before opening another event.`, {
            eventId: other.id,
            name: other.name,
            status: other.status,
          });
        }
      }
    }
    if (!(await this.repo.transitionEvent(tx, id, from, to, expectedVersion, actor))) return undefined;
    const after = (await this.repo.findEvent(id, tx))!;
    const change = { eventId: id, venueId: after.venueId, from, to, version: after.version, at: new Date(after.statusChangedAt).toISOString() };
    await this.events.emit(tx, 'venues.event_status_changed', change);
    afterCommit(() => void this.announce({ type: 'event.status_changed', ...change }));
    return after;
  }

  private async announce(change: EventStatusBroadcast): Promise<void> {
    await Promise.all([
      this.bus.publish(BUS_TOPICS.eventStatus, change), // other contexts' caches, on every instance
      this.realtime.publish(`event:${change.eventId}`, change),
      this.realtime.publish(`staff:${change.venueId}`, change),
    ]).catch((err) => this.logger.warn({ eventId: change.eventId, err: (err as Error).message }, 'event status push failed'));
  }
}
