import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import type { EventView } from '@fanmesh/protocol';
import { CoverageError } from './coverage.error';
import { CoveragePolicy, CoverageRepository } from './coverage.repository';

/** Limits when staff set none for an event. */
export const DEFAULT_POLICY: CoveragePolicy = { intervalS: 300, fanWitnessesPerInterval: 4, hotspotWitnessesPerInterval: 60, challengeTtlS: 30 };
const POLICY_CACHE_MS = 5_000;

/** The witness limits and challenge life of an event (staff set them), and the event as coverage sees it. */
@Injectable()
export class CoveragePolicyService {
  private readonly logger = new Logger(CoveragePolicyService.name);
  private readonly policies = new Map<string, { policy: CoveragePolicy; at: number }>();

  constructor(
    private readonly repo: CoverageRepository,
    private readonly venues: VenueDirectory,
  ) {}

  async policy(eventId: string, tx?: EntityManager): Promise<CoveragePolicy> {
    const cached = this.policies.get(eventId);
    if (cached && Date.now() - cached.at < POLICY_CACHE_MS) return cached.policy;
    const policy = (await this.repo.policy(eventId, tx)) ?? DEFAULT_POLICY;
    this.policies.set(eventId, { policy, at: Date.now() });
    return policy;
  }

  /** Staff of the event's venue set the limits and challenge life for one event. */
  async setPolicy(eventId: string, policy: CoveragePolicy, by: Principal): Promise<CoveragePolicy> {
    const event = await this.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    await this.repo.setPolicy(eventId, policy, by.subject);
    this.policies.delete(eventId);
    this.logger.log({ eventId, ...policy, by: by.subject }, 'coverage policy set');
    return this.policy(eventId);
  }

  /** The event, or coverage's own 404 for an unknown one. Inside a transaction, read through `tx`. */
  async event(eventId: string, tx?: EntityManager): Promise<EventView> {
    try {
      return await this.venues.getEvent(eventId, tx);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'event_not_found') throw new CoverageError('event_not_found', `No event ${eventId}.`);
      throw err;
    }
  }

  /** Passes when the caller is staff at the event's venue (or an admin). */
  async requireStaff(eventId: string, by: Principal): Promise<void> {
    requireVenueRole(by, ['staff'], (await this.event(eventId)).venueId);
  }
}
