import type { ConfirmedMomentView } from '@fanmesh/protocol';

/** A confirmed moment (also the `moments.confirmed` domain event): what the event's channel announces. */
export type ConfirmedMoment = ConfirmedMomentView;

/** Read access to confirmed moments; implemented by moments. */
export abstract class MomentDirectory {
  abstract confirmed(eventId: string): Promise<ConfirmedMoment[]>;
}
