import { Injectable, Logger } from '@nestjs/common';
import { MomentRepository, MomentRow } from './moment.repository';
import type { ConfirmedMoment } from './moment.types';

export type ConfirmedListener = (m: ConfirmedMoment) => void;

/**
 * Match moments: candidates from the sensor quorum, staff or official-feed decisions, and the
 * domain event other contexts (drops, rewards) consume: `onConfirmed` live, `confirmed` to catch up.
 */
@Injectable()
export class MomentsService {
  private readonly logger = new Logger(MomentsService.name);
  private readonly listeners = new Set<ConfirmedListener>();

  constructor(private readonly repo: MomentRepository) {}

  /** Called once per moment confirmed on this instance, after it committed. Returns an unsubscribe. */
  onConfirmed(listener: ConfirmedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every confirmed moment of an event, in match order (for listeners catching up after a crash). */
  async confirmed(eventId: string): Promise<ConfirmedMoment[]> {
    return (await this.repo.list(eventId, ['confirmed'])).map(toConfirmed);
  }

  /** One moment in any state, or undefined. */
  async get(momentId: string): Promise<MomentRow | undefined> {
    return this.repo.get(momentId);
  }

  protected emitConfirmed(m: ConfirmedMoment): void {
    for (const listener of this.listeners) {
      try {
        listener(m);
      } catch (err) {
        this.logger.error({ err, momentId: m.momentId }, 'a confirmed-moment listener threw');
      }
    }
  }
}

export function toConfirmed(r: MomentRow): ConfirmedMoment {
  return {
    momentId: r.id,
    eventId: r.eventId,
    venueId: r.venueId,
    kind: r.kind,
    team: r.team,
    at: new Date(r.at).toISOString(),
    attendance: r.attendance ?? 0,
    confirmedBy: r.confirmedBy ?? 'staff',
  };
}
