import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DevicesService, EnvelopeContext } from '@fanmesh/devices';
import { VenueError, VenuesService } from '@fanmesh/venues';
import type { EntityManager } from 'typeorm';
import { parseReadings, ReadingKind, READING_KINDS } from './reading-rules';
import { ReadingsRepository, SignedEnvelope, StoredReading } from './readings.repository';
import { SensingError } from './sensing.error';

/** What a stored readings envelope announces (after its transaction committed). */
export interface ReadingsStored {
  eventId: string;
  venueId: string;
  device: string;
  owner: string;
  section: string;
  seq: number;
  count: number;
  /** Per kind present: the earliest and latest reading time (unix ms). */
  spans: Partial<Record<ReadingKind, { from: number; to: number }>>;
}

const OPEN_STATUSES = new Set(['gates_open', 'live', 'ended']);
const EVENT_CACHE_MS = 5_000;
const GATE_KINDS: readonly ReadingKind[] = ['turnstile'];

/**
 * Signed readings ingest: the `readings` device body. The device layer has verified the signature,
 * the strictly increasing seq and the clock; this checks who may report what for which event, the
 * value ranges, and stores the envelope (as signed) and its readings in the seq transaction.
 */
@Injectable()
export class ReadingsService implements OnModuleInit {
  private readonly logger = new Logger(ReadingsService.name);
  private readonly listeners: ((e: ReadingsStored) => void)[] = [];
  private readonly events = new Map<string, { at: number; event?: { venueId: string; status: string } }>();

  constructor(
    private readonly repo: ReadingsRepository,
    private readonly devices: DevicesService,
    private readonly venues: VenuesService,
  ) {}

  onModuleInit(): void {
    this.devices.registerBody('readings', (ctx) => this.ingest(ctx));
  }

  /** Live signal for derived views (attendance, moment detection); they read the committed rows. */
  onReadings(listener: (e: ReadingsStored) => void): void {
    this.listeners.push(listener);
  }

  async ingest({ device, envelope, body, tx, afterCommit }: EnvelopeContext): Promise<Record<string, unknown>> {
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
    const stored: ReadingsStored = { eventId: parsed.eventId, venueId: device.venueId, device: device.address, owner: device.owner, section: device.sectionCode, seq: envelope.seq, count: parsed.kinds.length, spans };
    // Listeners read committed rows: tell them once the device layer's transaction is through.
    if (this.listeners.length) afterCommit(() => this.emit(stored));
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

  private emit(e: ReadingsStored): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.error({ err, eventId: e.eventId, device: e.device }, 'a readings listener threw');
      }
    }
  }

  private async event(id: string, tx: EntityManager): Promise<{ venueId: string; status: string } | undefined> {
    const hit = this.events.get(id);
    if (hit && Date.now() - hit.at < EVENT_CACHE_MS) return hit.event;
    const e = await this.venues.getEvent(id, tx).catch((err) => {
      if (err instanceof VenueError && err.code === 'event_not_found') return undefined;
      throw err;
    });
    if (this.events.size > 10_000) this.events.clear();
    const event = e ? { venueId: e.venueId, status: e.status } : undefined;
    this.events.set(id, { at: Date.now(), event });
    return event;
  }
}
