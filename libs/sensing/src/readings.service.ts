import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '@fanmesh/common';
import { ReadingsDirectory, VenueDirectory } from '@fanmesh/directory';
import { DeviceMessageContext, DomainEventMap, DomainEvents, OnDeviceMessage } from '@fanmesh/events';
import { parseReadings, ReadingKind, READING_KINDS } from './reading-rules';
import { ReadingsRepository, SignedEnvelope, StoredReading } from './readings.repository';
import { SensingError } from './sensing.error';

/** What a stored readings envelope announces: the `sensing.readings_stored` domain event. */
export type ReadingsStored = DomainEventMap['sensing.readings_stored'];

const OPEN_STATUSES = new Set(['gates_open', 'live', 'ended']);
const EVENT_CACHE_MS = 5_000;
const GATE_KINDS: readonly ReadingKind[] = ['turnstile'];

/**
 * Signed readings ingest: the `readings` device body. The device layer has verified the signature,
 * the strictly increasing seq and the clock; this checks who may report what for which event, the
 * value ranges, and stores the envelope (as signed) and its readings in the seq transaction, with
 * the `sensing.readings_stored` event.
 */
@Injectable()
export class ReadingsService implements ReadingsDirectory {
  private readonly events = new Map<string, { at: number; event?: { venueId: string; status: string } }>();

  constructor(
    private readonly repo: ReadingsRepository,
    private readonly venues: VenueDirectory,
    private readonly domainEvents: DomainEvents,
  ) {}

  @OnDeviceMessage('readings')
  async ingest({ device, envelope, body, tx }: DeviceMessageContext): Promise<Record<string, unknown>> {
    if (device.kind !== 'sensor' && device.kind !== 'gate') {
      throw new SensingError('device_kind_not_allowed', `A ${device.kind} cannot send readings; pair a sensor (or a gate for turnstile counts).`);
    }
    const parsed = parseReadings(body, envelope.sentAt, device.kind === 'gate' ? GATE_KINDS : READING_KINDS);
    const event = await this.event(parsed.eventId, tx);
    if (!event) throw new SensingError('event_not_found', `No event ${parsed.eventId}.`);
    if (event.venueId !== device.venueId) throw new SensingError('sensor_not_at_venue', `This sensor is paired to another venue than event ${parsed.eventId}'s.`);
    if (!OPEN_STATUSES.has(event.status)) throw new SensingError('event_not_open', `Event ${parsed.eventId} is ${event.status}; readings are taken from gates open until it ends.`);
    await this.repo.insert(tx, {
      device: device.address,
      seq: envelope.seq,
      sectionCode: device.sectionCode,
      sentAt: envelope.sentAt,
      body: envelope.body,
      signature: envelope.signature,
      ...parsed,
    });
    const spans: ReadingsStored['spans'] = {};
    for (let i = 0; i < parsed.kinds.length; i++) {
      const s = (spans[parsed.kinds[i]] ??= { from: parsed.ats[i], to: parsed.ats[i] });
      if (parsed.ats[i] < s.from) s.from = parsed.ats[i];
      if (parsed.ats[i] > s.to) s.to = parsed.ats[i];
    }
    const stored: ReadingsStored = {
      eventId: parsed.eventId,
      venueId: device.venueId,
      device: device.address,
      owner: device.owner,
      section: device.sectionCode,
      seq: envelope.seq,
      count: parsed.kinds.length,
      spans,
    };
    // In the envelope's transaction: the event commits with the readings (and the device's seq) or not at all.
    await this.domainEvents.emit(tx, 'sensing.readings_stored', stored);
    return { readings: parsed.kinds.length };
  }

  /** Readings of one kind for an event in a time range (unix ms), in time order. */
  window(eventId: string, kind: ReadingKind, fromMs: number, toMs: number): Promise<StoredReading[]> {
    return this.repo.window(eventId, kind, fromMs, toMs);
  }

  /** The signed envelopes, exactly as the devices sent them (their signatures verify as they are). */
  envelopes(keys: { device: string; seq: number }[]): Promise<SignedEnvelope[]> {
    return this.repo.envelopes(keys);
  }

  private async event(id: string, tx: EntityManager): Promise<{ venueId: string; status: string } | undefined> {
    const hit = this.events.get(id);
    if (hit && Date.now() - hit.at < EVENT_CACHE_MS) return hit.event;
    const e = await this.venues.getEvent(id, tx).catch((err) => {
      if (err instanceof DomainError && err.code === 'event_not_found') return undefined;
      throw err;
    });
    if (this.events.size > 10_000) this.events.clear();
    const event = e ? { venueId: e.venueId, status: e.status } : undefined;
    this.events.set(id, { at: Date.now(), event });
    return event;
  }
}
