import { TypedDataDomain } from 'ethers';
import { ApiClient } from './client';
import { Fan } from './actors/fan';
import { Device, Hotspot, Owner, ReadingKind, Sensor } from './actors/device';
import { Operator, Venue } from './actors/operator';
import { StaffFeed } from './actors/staff-feed';
import { Gates, ScanAnswer, Steward } from './actors/steward';
import { Meter } from './meter';
import type { Scenario } from './model';

export interface StadiumOptions {
  url: string;
  dataDir: string;
  /** Addresses to make staff of the venue first (the dashboard's own key, shown on /staff). */
  staff?: string[];
}

/**
 * One match day at one venue, through the real API: the operator, the venue, the event, the fans
 * with their tickets, the stewards at every lane, the devices, and the staff feed.
 */
export class Stadium {
  readonly meter = new Meter();
  op!: Operator;
  venue!: Venue;
  eventId!: string;
  fans: Fan[] = [];
  gates!: Gates;
  hotspots: Hotspot[] = [];
  sensors: Sensor[] = [];
  feed?: StaffFeed;
  /** The unauthenticated client devices post their envelopes with (they sign every message). */
  readonly devices: ApiClient;
  private registrationDomain?: TypedDataDomain;

  constructor(
    readonly opts: StadiumOptions,
    readonly scenario: Scenario,
  ) {
    this.devices = new ApiClient(opts.url, this.meter.observer);
  }

  get url(): string {
    return this.opts.url;
  }

  async open(kickoffInWallMs: number, name: string): Promise<void> {
    this.op = await Operator.signIn(this.url, this.opts.dataDir, this.meter.observer);
    this.venue = await this.op.venue(this.scenario.venue);
    for (const address of this.opts.staff ?? []) await this.op.grant(this.venue.id, address, 'staff');
    this.eventId = await this.op.createEvent(this.venue.id, `${name} ${new Date().toISOString().slice(11, 16)}`, new Date(Date.now() + kickoffInWallMs));
    this.feed = await StaffFeed.connect(this.url, this.op.client.token!, this.venue.id).catch(() => undefined);
  }

  /**
   * Fans spread over sections by capacity, each with a ticket bound to their address: `n` new fans
   * with their own keys, or the fans given (a season crowd: the same keys at another match).
   */
  async sellTickets(crowd: number | Fan[]): Promise<Fan[]> {
    const sections = this.venue.sections;
    const capacity = sections.reduce((a, s) => a + s.capacity, 0);
    const n = typeof crowd === 'number' ? crowd : crowd.length;
    const fans: Fan[] = [];
    let acc = 0;
    for (const s of sections) {
      const share = Math.round(((acc + s.capacity) / capacity) * n) - Math.round((acc / capacity) * n);
      acc += s.capacity;
      for (let i = 0; i < share; i++) {
        if (typeof crowd !== 'number') {
          fans.push(crowd[fans.length].attend(s.code, this.meter.observer));
          continue;
        }
        fans.push(new Fan(this.url, s.code, this.meter.observer));
        if (fans.length % 500 === 0) await new Promise((r) => setImmediate(r)); // keys take time: let sockets and the progress bar breathe
      }
    }
    const tickets = await this.op.issueTickets(
      this.eventId,
      fans.map((f) => ({ address: f.wallet.address, section: f.section })),
    );
    tickets.forEach((t, i) => (fans[i].ticket = t));
    this.fans.push(...fans);
    return fans;
  }

  /** The stewards a ground hired at an earlier match, back at their lanes (counted by this match's meter). */
  useStewards(lanes: Steward[]): void {
    for (const l of lanes) l.client.observe = this.meter.observer;
    this.gates = new Gates(lanes);
  }

  async hireStewards(lanesPerGate: number): Promise<void> {
    const lanes: Steward[] = [];
    for (const gate of this.venue.gates) {
      for (let i = 0; i < lanesPerGate; i++) lanes.push(await Steward.hire(this.op, this.url, this.venue.id, gate, this.meter.observer));
    }
    this.gates = new Gates(lanes);
  }

  /** Pairs `hotspots` hotspots and the sensors by kind, spread over the sections, `perOwner` devices per owner. */
  async installDevices(hotspots: number, sensors: Record<ReadingKind, number>, perOwner: number): Promise<void> {
    const owners: Owner[] = [];
    const ownerFor = async (i: number) => {
      const k = Math.floor(i / Math.max(1, perOwner));
      if (!owners[k]) owners[k] = await new Owner(this.url, this.meter.observer).signIn();
      return owners[k];
    };
    const sections = this.venue.sections.map((s) => s.code);
    let n = 0;
    const make: Device[] = [];
    for (let i = 0; i < hotspots; i++) make.push(new Hotspot(sections[i % sections.length], await ownerFor(n++), this.devices));
    for (const kind of ['sound', 'turnstile', 'occupancy'] as const) {
      for (let i = 0; i < sensors[kind]; i++) make.push(new Sensor(kind, sections[(i * 7 + 3) % sections.length], await ownerFor(n++), this.devices));
    }
    await this.pairAll(make);
    for (const d of make) (d instanceof Hotspot ? this.hotspots : this.sensors).push(d as never);
    // the venue installed these: its staff approve the sound sensors (moments need two established owners)
    await this.op.approveSensors(
      this.venue.id,
      this.sensors.filter((s) => s.measures === 'sound'),
    );
  }

  /** Devices paired (and sound sensors approved) at an earlier match of this venue, reporting again. */
  useDevices(hotspots: Hotspot[], sensors: Sensor[]): void {
    for (const d of [...hotspots, ...sensors]) d.connect(this.devices);
    this.hotspots.push(...hotspots);
    this.sensors.push(...sensors);
  }

  async pairAll(devices: Device[], concurrency = 8): Promise<void> {
    this.registrationDomain ??= (await this.devices.get<{ registration: TypedDataDomain }>('/api/v1/devices/pairing-domains')).registration;
    await pool(devices, concurrency, (d) => d.pair(this.venue.id, this.registrationDomain!));
  }

  async newDevice<T extends Device>(make: (owner: Owner) => T, owner?: Owner): Promise<T> {
    const d = make(owner ?? (await new Owner(this.url, this.meter.observer).signIn()));
    await this.pairAll([d]);
    return d;
  }

  /** A fan at the gate: the lane for their section scans the live code. */
  async arrive(fan: Fan): Promise<ScanAnswer> {
    const lane = this.gates.laneFor(fan.section);
    const t0 = performance.now();
    const answer = await lane.scan(fan.code());
    this.meter.count('scans', 1, performance.now() - t0);
    if (answer.decision === 'admit') {
      fan.admitted = true;
      this.meter.count('admitted');
    }
    return answer;
  }

  close(): void {
    this.feed?.close();
  }
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
