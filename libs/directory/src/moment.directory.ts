import type { ConfirmedMomentView } from '@fanmesh/protocol';

/** A confirmed moment (also the `moments.confirmed` domain event): what the event's channel announces. */
export type ConfirmedMoment = ConfirmedMomentView;

/**
 * The `moments.confirmed` domain event: the moment, and the sensors whose spikes raised it (the
 * detector leaves copied series out) with their trust weight then, so their owners are paid for the
 * readings (none when staff or the feed raised it). Absent in events written before it was added.
 */
export interface MomentConfirmed extends ConfirmedMoment {
  sensors?: { device: string; weight: number }[];
}

/** Read access to confirmed moments; implemented by moments. */
export abstract class MomentDirectory {
  abstract confirmed(eventId: string): Promise<ConfirmedMoment[]>;
}
