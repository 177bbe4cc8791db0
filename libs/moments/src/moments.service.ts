import { Injectable } from '@nestjs/common';
import { hasRole, isAdmin, Principal } from '@fanmesh/common';
import { ConfirmedMoment, MomentDirectory, VenueDirectory } from '@fanmesh/directory';
import type { MomentView } from '@fanmesh/protocol';
import { toConfirmed, view } from './moment.mapper';
import { MomentRepository, MomentRow } from './moment.repository';
import { MomentsError } from './moments.error';

/**
 * Reading moments: an event's list for the public and its staff, and the MomentDirectory other
 * contexts ask about confirmed moments. Detection, decisions and the official feed have their own
 * services; a confirmation is announced by the `moments.confirmed` domain event.
 */
@Injectable()
export class MomentsService implements MomentDirectory {
  constructor(
    private readonly repo: MomentRepository,
    private readonly venues: VenueDirectory,
  ) {}

  /** Every confirmed moment of an event, in match order. */
  async confirmed(eventId: string): Promise<ConfirmedMoment[]> {
    return (await this.repo.list(eventId, ['confirmed'])).map(toConfirmed);
  }

  /** One moment in any state, or undefined. */
  async get(momentId: string): Promise<MomentRow | undefined> {
    return this.repo.get(momentId);
  }

  /** Confirmed moments for anyone; staff of the venue (and admins) see candidates and rejections too. */
  async list(eventId: string, who: Principal | undefined): Promise<MomentView[]> {
    const venueId = await this.venueOf(eventId);
    const staff = isAdmin(who) || hasRole(who, 'staff', venueId);
    return (await this.repo.list(eventId, staff ? ['candidate', 'confirmed', 'rejected'] : ['confirmed'])).map((m) => view(m, staff));
  }

  async venueOf(eventId: string): Promise<string> {
    const e = await this.venues.getEvent(eventId).catch(() => undefined);
    if (!e) throw new MomentsError('event_not_found', `No event ${eventId}.`);
    return e.venueId;
  }

  /** @internal */
  evidenceKeys(momentId: string) {
    return this.repo.evidenceKeys(momentId);
  }
}
