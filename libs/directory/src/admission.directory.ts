/** One admitted ticket, as other contexts see it (coverage, rewards, drops, moments, polls). */
export interface AdmittedFan {
  admissionId: string;
  ticketId: string;
  holder: string;
  section: string;
  tier: string;
  gateId: string;
  steward: string | null;
  admittedAt: Date;
  /**
   * Who bought the ticket with whom: one buyer's tickets at the event (issued to one address,
   * imported for one contact, or claimed by one key) share it, and a transfer keeps it. Coverage
   * counts one witnessing person per group per hotspot. Never empty (a ticket alone is its own group).
   */
  purchaseGroup: string;
}

/**
 * Read access to who is in; implemented by access. No other context reads the access tables.
 * Only the current, valid holder of a ticket counts: an admission whose ticket was revoked, or handed
 * to someone else, since the gate is no longer in (the seat may admit its re-issued ticket's holder).
 */
export abstract class AdmissionDirectory {
  /** The holder's admission to this event, if they are in (a holder may have several tickets: the first). */
  abstract admitted(eventId: string, holder: string): Promise<AdmittedFan | undefined>;
  /** Admitted holders of an event, optionally only some sections or tiers, or only those in before `before`. One row per holder. */
  abstract fans(eventId: string, filter?: { sections?: string[]; tiers?: string[]; before?: Date }): Promise<AdmittedFan[]>;
  /** How many are in, per section, at a moment in time (default: now). */
  abstract countBySection(eventId: string, at?: Date): Promise<Record<string, number>>;
  /** The purchase groups each address bought, claimed or holds a ticket of at this event (an address with none is left out). */
  abstract purchaseGroups(eventId: string, addresses: string[]): Promise<Record<string, string[]>>;
}
