/** The kinds of match moment the platform detects and attests. */
export const MOMENT_KINDS = ['kickoff', 'goal', 'halftime', 'fulltime', 'big_moment'] as const;
export type MomentKind = (typeof MOMENT_KINDS)[number];

/**
 * The domain event a confirmed moment emits (drops fire on it, rewards pay presence for it).
 * Emitted in-process by MomentsService.onConfirmed on the instance that confirmed it; listeners that
 * must not miss one (after a crash) catch up with MomentsService.confirmed(eventId).
 */
export interface ConfirmedMoment {
  momentId: string;
  eventId: string;
  venueId: string;
  kind: MomentKind;
  /** For goals: which side scored, when known. */
  team: 'home' | 'away' | null;
  /** When it happened (ISO-8601 UTC). */
  at: string;
  /** Admitted fans at that time. */
  attendance: number;
  confirmedBy: 'staff' | 'feed';
}
