import { Injectable } from '@nestjs/common';
import { AdmissionDirectory, AdmittedFan } from '@fanmesh/directory';
import { AdmissionRepository } from './admission.repository';
import { TicketRepository } from './ticket.repository';

/**
 * Who is in: the one way other contexts ask about admissions (as `AdmissionDirectory` from
 * libs/directory, provided globally by AccessModule), so none of them reads the access tables.
 * Admissions are the durable truth; the live signal is the `access.admitted` domain event. An
 * admission counts only while its ticket is valid and still held by whoever was admitted with it.
 */
@Injectable()
export class AdmissionDirectoryService implements AdmissionDirectory {
  constructor(
    private readonly repo: AdmissionRepository,
    private readonly tickets: TicketRepository,
  ) {}

  /** The holder's admission to this event, if they are in (a holder may have several tickets: the first). */
  async admitted(eventId: string, holder: string): Promise<AdmittedFan | undefined> {
    return this.repo.admitted(eventId, holder.toLowerCase());
  }

  /** Admitted holders of an event, optionally only some sections or tiers, or only those in before `before`. One row per holder. */
  async fans(eventId: string, filter: { sections?: string[]; tiers?: string[]; before?: Date } = {}): Promise<AdmittedFan[]> {
    return this.repo.fans(eventId, filter);
  }

  /** How many are in, per section, at a moment in time (default: now). */
  async countBySection(eventId: string, at?: Date): Promise<Record<string, number>> {
    return Object.fromEntries((await this.repo.countBySection(eventId, at)).map((r) => [r.section, r.n]));
  }

  /** The purchase groups each address bought, claimed or holds a ticket of at this event. */
  async purchaseGroups(eventId: string, addresses: string[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const r of await this.tickets.purchaseGroups(eventId, [...new Set(addresses.map((a) => a.toLowerCase()))])) (out[r.address] ??= []).push(r.purchaseGroup);
    return out;
  }
}
