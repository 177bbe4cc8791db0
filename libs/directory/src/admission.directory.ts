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
}

/** Read access to who is in; implemented by access. No other context reads the access tables. */
export abstract class AdmissionDirectory {
  /** The holder's admission to this event, if they are in (a holder may have several tickets: the first). */
  abstract admitted(eventId: string, holder: string): Promise<AdmittedFan | undefined>;
  /** Admitted holders of an event, optionally only some sections or tiers, or only those in before `before`. One row per holder. */
  abstract fans(eventId: string, filter?: { sections?: string[]; tiers?: string[]; before?: Date }): Promise<AdmittedFan[]>;
  /** How many are in, per section, at a moment in time (default: now). */
  abstract countBySection(eventId: string, at?: Date): Promise<Record<string, number>>;
}
