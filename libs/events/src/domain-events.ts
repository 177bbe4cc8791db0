import type { MomentConfirmed, ValidWitness } from '@fanmesh/directory';
import type { EventStatus, ReadingKind, RealtimeMessageMap } from '@fanmesh/protocol';

/**
 * Every domain event and its payload. A producer writes its event in the transaction that changed
 * its state (`DomainEvents.emit(tx, …)`); consumers declare handlers with `@OnDomainEvent` and each
 * gets every event once, in commit order. Payloads are JSON: times are ISO-8601 strings, amounts
 * decimal strings of the token's smallest unit.
 */
export interface DomainEventMap {
  /** A ticket admitted at a gate (online scan or offline upload); the same facts the fan is told live. */
  'access.admitted': RealtimeMessageMap['access.admitted'];
  /** An event moved along its lifecycle. */
  'venues.event_status_changed': {
    eventId: string;
    venueId: string;
    from: EventStatus;
    to: EventStatus;
    version: number;
    at: string;
  };
  /** A device envelope's readings were stored. */
  'sensing.readings_stored': {
    eventId: string;
    venueId: string;
    device: string;
    owner: string;
    section: string;
    seq: number;
    count: number;
    /** Per kind present: the earliest and latest reading time (unix ms). */
    spans: Partial<Record<ReadingKind, { from: number; to: number }>>;
  };
  /** A fan's witness of a hotspot's coverage was judged valid. */
  'coverage.witness_valid': ValidWitness;
  /** A moment was confirmed by staff or by the official feed. */
  'moments.confirmed': MomentConfirmed;
  /** A fan redeemed a sponsor drop that carries a fan-token bonus; the ledger pays it. */
  'drops.token_granted': {
    idempotencyKey: string;
    dropId: string;
    eventId: string;
    fan: string;
    amount: string;
  };
  /** An epoch's root was published on chain: the event it closed is settled. */
  'rewards.epoch_settled': {
    epochId: string;
    eventId: string;
    at: string;
  };
}

export type DomainEventName = keyof DomainEventMap;

/** One delivered event: its position in the log, its name and payload. */
export interface DomainEvent<K extends DomainEventName = DomainEventName> {
  id: string;
  name: K;
  payload: DomainEventMap[K];
  createdAt: Date;
}
