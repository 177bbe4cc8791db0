import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { ApiClient, RequestObserver, SimProblem } from '../client';
import type { GateModel, SectionModel, VenueModel } from '../model';

export const DEMO_VENUE_ID = '5eed0000-0000-4000-8000-000000000001';

export interface Venue {
  id: string;
  sections: { code: string; capacity: number; neighbours: string[] }[];
  gates: { id: string; code: string; sectionCodes: string[] }[];
}

const TICKETS_PER_REQUEST = 500;

interface SimEvent {
  id: string;
  name: string;
  status: string;
  endsAt: string;
}

/**
 * Creates a simulated match at a venue the way the API allows one: a venue holds one event with open
 * gates at a time and never two events whose time windows overlap. So a match the simulator (or
 * anyone) left open there is ended first (it gives back the rest of its window), and a start that
 * falls in a scheduled event's window moves to that event's end (gates can open before kickoff, so
 * the run is the same). `onEnded` hears of every event ended on the way.
 */
export async function createSimEvent(
  client: ApiClient,
  body: { venueId: string; name: string; homeTeam?: string; awayTeam?: string; startsAt: Date },
  onEnded: (name: string) => void = () => undefined,
): Promise<{ id: string }> {
  const events = await client.get<SimEvent[]>(`/api/v1/events?venueId=${body.venueId}`);
  for (const e of events.filter((x) => x.status === 'gates_open' || x.status === 'live')) {
    if (e.status === 'gates_open') await client.post(`/api/v1/events/${e.id}/transitions`, { to: 'live' });
    await client.post(`/api/v1/events/${e.id}/transitions`, { to: 'ended' });
    onEnded(e.name);
  }
  let startsAt = body.startsAt;
  for (let attempt = 0; ; attempt++) {
    const a = await client.attempt<{ id: string; endsAt?: string }>('POST', '/api/v1/events', { ...body, startsAt: startsAt.toISOString() });
    if (a.status === 201) return a.body;
    if (a.status !== 409 || a.body.code !== 'event_overlaps' || !a.body.endsAt || attempt >= 5)
      throw new SimProblem(a.status, a.body.code ?? 'http_error', `POST /api/v1/events: ${a.body.detail ?? 'refused'}`);
    startsAt = new Date(a.body.endsAt);
  }
}

export interface IssuedTicket {
  id: string;
  version: number;
  section: string;
  seat: string;
  holder: string;
}

/**
 * The venue's operator: the local admin key `npm start` keeps in the data dir (outside production),
 * signed in like anyone else. Sets up the venue, the event, tickets and roles, and runs the script.
 */
export class Operator {
  readonly client: ApiClient;
  readonly wallet: Wallet;
  /** Seats sold so far per event and section, so later sales take the next seats. */
  private readonly seats = new Map<string, number>();

  private constructor(url: string, wallet: Wallet, observe?: RequestObserver) {
    this.client = new ApiClient(url, observe);
    this.wallet = wallet;
  }

  static async signIn(url: string, dataDir: string, observe?: RequestObserver): Promise<Operator> {
    let key: string;
    try {
      key = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    } catch {
      throw new SimProblem(0, 'no_admin_key', `no ${join(dataDir, 'admin-key')}: run the sim on the machine where \`npm start\` keeps its data (or pass --data <dir>)`);
    }
    const op = new Operator(url, new Wallet(key), observe);
    const roles = await op.client.signIn(op.wallet);
    if (!roles.includes('admin')) throw new SimProblem(0, 'not_admin', 'the local admin key is not an admin here (is ADMIN_ADDRESS set to someone else?)');
    return op;
  }

  /** The demo stadium, a venue created before, or a new venue built from the model's sections and gates. */
  async venue(model: VenueModel): Promise<Venue> {
    if ('use' in model) return this.client.get<Venue>(`/api/v1/venues/${DEMO_VENUE_ID}`);
    if ('id' in model) return this.client.get<Venue>(`/api/v1/venues/${model.id}`);
    const created = await this.client.post<{ id: string }>('/api/v1/venues', {
      name: `${model.name} ${new Date().toISOString().slice(0, 19)}`,
      city: model.city,
      timezone: model.timezone,
      sections: model.sections satisfies SectionModel[],
      gates: model.gates satisfies GateModel[],
    });
    return this.client.get<Venue>(`/api/v1/venues/${created.id}`);
  }

  async createEvent(venueId: string, name: string, startsAt: Date): Promise<string> {
    const e = await createSimEvent(this.client, { venueId, name, homeTeam: 'FanMesh FC', awayTeam: 'Harbour City', startsAt });
    return e.id;
  }

  async transition(eventId: string, to: 'gates_open' | 'live' | 'ended'): Promise<void> {
    await this.client.post(`/api/v1/events/${eventId}/transitions`, { to });
  }

  async grant(venueId: string, address: string, role: 'staff' | 'steward'): Promise<void> {
    await this.client.post(`/api/v1/venues/${venueId}/roles`, { address, role });
  }

  /** The venue vouches for sound sensors it installed: they start at full trust instead of earning it. */
  async approveSensors(venueId: string, devices: { address: string }[]): Promise<void> {
    for (const d of devices) await approveSensor(this.client, venueId, d.address);
  }

  /** Tickets bound to each holder's address, spread over the sections, in requests of 500 (each a second or so: the issuer signs every ticket). */
  async issueTickets(eventId: string, holders: { address: string; section: string }[]): Promise<IssuedTicket[]> {
    const out: IssuedTicket[] = [];
    const seatIn = this.seats;
    for (let i = 0; i < holders.length; i += TICKETS_PER_REQUEST) {
      const batch = holders.slice(i, i + TICKETS_PER_REQUEST).map((h, k) => {
        const seat = (seatIn.get(`${eventId}|${h.section}`) ?? 0) + 1;
        seatIn.set(`${eventId}|${h.section}`, seat);
        return { holder: h.address, section: h.section, seat: String(seat), tier: (i + k) % 20 === 0 ? 'vip' : 'standard' };
      });
      const res = await this.client.post<{ tickets: IssuedTicket[] }>(`/api/v1/events/${eventId}/tickets`, { tickets: batch });
      out.push(...res.tickets);
    }
    return out;
  }
}

/** Staff approval of one sound sensor (POST /venues/:venueId/sensors/:device/approval). */
export async function approveSensor(client: ApiClient, venueId: string, device: string): Promise<void> {
  await client.post(`/api/v1/venues/${venueId}/sensors/${device}/approval`);
}
