import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { EventStatus } from './event-lifecycle';
import type { EventRow, GateRow, SectionRow, VenueRow } from './venue.model';

export interface NewVenue {
  name: string;
  city: string;
  timezone: string;
  sections: Omit<SectionRow, 'id' | 'venueId' | 'seatMap'>[];
  gates: Omit<GateRow, 'id' | 'venueId'>[];
}

const EVENT_COLUMNS = `e.id, e.venue_id AS "venueId", v.name AS "venueName", e.name, e.home_team AS "homeTeam",
  e.away_team AS "awayTeam", e.starts_at AS "startsAt", e.ends_at AS "endsAt", e.status, e.status_changed_at AS "statusChangedAt",
  e.version, e.created_at AS "createdAt"`;

const SECTION_COLUMNS = `id, venue_id AS "venueId", code, name, stand, tier, capacity, neighbours, seat_map AS "seatMap"`;
const GATE_COLUMNS = `id, venue_id AS "venueId", code, name, section_codes AS "sectionCodes"`;

/** A section's editable fields; codes never change (tickets and devices name them). */
export type SectionFields = Pick<SectionRow, 'name' | 'stand' | 'tier' | 'capacity' | 'neighbours'>;

/** Every query on venues, sections, gates and events lives here. */
@Injectable()
export class VenueRepository {
  constructor(private readonly ds: DataSource) {}

  /** Runs `fn` in one transaction (a status change and its domain event commit together). */
  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async createVenue(v: NewVenue): Promise<string> {
    return this.ds.transaction(async (m) => {
      const [{ id }] = await exec<{ id: string }>(m, `INSERT INTO venues (name, city, timezone) VALUES ($1, $2, $3) RETURNING id`, [v.name, v.city, v.timezone]);
      await this.insertSections(m, id, v.sections);
      await this.insertGates(m, id, v.gates);
      return id;
    });
  }

  async addSections(venueId: string, sections: NewVenue['sections']): Promise<void> {
    await this.ds.transaction((m) => this.insertSections(m, venueId, sections));
  }

  async addGates(venueId: string, gates: NewVenue['gates']): Promise<void> {
    await this.ds.transaction((m) => this.insertGates(m, venueId, gates));
  }

  async listVenues(): Promise<(VenueRow & { capacity: number })[]> {
    return rows<VenueRow & { capacity: number }>(
      this.ds,
      `SELECT v.id, v.name, v.city, v.timezone, v.created_at AS "createdAt", COALESCE(SUM(s.capacity), 0)::int AS capacity
       FROM venues v LEFT JOIN sections s ON s.venue_id = v.id GROUP BY v.id ORDER BY v.name`,
    );
  }

  async findVenue(id: string): Promise<VenueRow | undefined> {
    return row<VenueRow>(this.ds, `SELECT id, name, city, timezone, created_at AS "createdAt" FROM venues WHERE id = $1`, [id]);
  }

  async sections(venueId: string): Promise<SectionRow[]> {
    return rows<SectionRow>(this.ds, `SELECT ${SECTION_COLUMNS} FROM sections WHERE venue_id = $1 ORDER BY tier, code`, [venueId]);
  }

  async hasSection(venueId: string, code: string): Promise<boolean> {
    const found = await row<{ found: boolean }>(this.ds, `SELECT EXISTS (SELECT 1 FROM sections WHERE venue_id = $1 AND code = $2) AS found`, [venueId, code]);
    return !!found?.found;
  }

  async gates(venueId: string): Promise<GateRow[]> {
    return rows<GateRow>(this.ds, `SELECT ${GATE_COLUMNS} FROM gates WHERE venue_id = $1 ORDER BY code`, [venueId]);
  }

  async findGate(id: string): Promise<GateRow | undefined> {
    return row<GateRow>(this.ds, `SELECT ${GATE_COLUMNS} FROM gates WHERE id = $1`, [id]);
  }

  async updateVenue(id: string, v: Partial<Pick<VenueRow, 'name' | 'city' | 'timezone'>>): Promise<void> {
    await exec(this.ds, `UPDATE venues SET name = COALESCE($2, name), city = COALESCE($3, city), timezone = COALESCE($4, timezone) WHERE id = $1`, [
      id,
      v.name ?? null,
      v.city ?? null,
      v.timezone ?? null,
    ]);
  }

  async findSection(venueId: string, code: string): Promise<SectionRow | undefined> {
    return row<SectionRow>(this.ds, `SELECT ${SECTION_COLUMNS} FROM sections WHERE venue_id = $1 AND code = $2`, [venueId, code]);
  }

  async updateSection(venueId: string, code: string, f: SectionFields, db: Queryable = this.ds): Promise<void> {
    await exec(db, `UPDATE sections SET name = $3, stand = $4, tier = $5, capacity = $6, neighbours = $7::text[] WHERE venue_id = $1 AND code = $2`, [
      venueId,
      code,
      f.name,
      f.stand,
      f.tier,
      f.capacity,
      f.neighbours,
    ]);
  }

  /** Draws (or, with null, removes) a section's seat plan; a drawn plan's seats become its capacity. */
  async setSeatMap(venueId: string, code: string, seatMap: SectionRow['seatMap'], seats: number | null): Promise<boolean> {
    const updated = await exec<{ id: string }>(
      this.ds,
      `UPDATE sections SET seat_map = $3::jsonb, capacity = COALESCE($4, capacity) WHERE venue_id = $1 AND code = $2 RETURNING id`,
      [venueId, code, seatMap === null ? null : JSON.stringify(seatMap), seats],
    );
    return updated.length === 1;
  }

  /** A CSV import's writes, all or none. */
  async importSections(venueId: string, creates: NewVenue['sections'], updates: (SectionFields & { code: string })[]): Promise<void> {
    await this.ds.transaction(async (m) => {
      await this.insertSections(m, venueId, creates);
      for (const u of updates) await this.updateSection(venueId, u.code, u, m);
    });
  }

  async findGateByCode(venueId: string, code: string): Promise<GateRow | undefined> {
    return row<GateRow>(this.ds, `SELECT ${GATE_COLUMNS} FROM gates WHERE venue_id = $1 AND code = $2`, [venueId, code]);
  }

  async updateGate(venueId: string, code: string, g: Pick<GateRow, 'name' | 'sectionCodes'>): Promise<void> {
    await exec(this.ds, `UPDATE gates SET name = $3, section_codes = $4::text[] WHERE venue_id = $1 AND code = $2`, [venueId, code, g.name, g.sectionCodes]);
  }

  /** Inserts an event in `tx` (the caller holds the venue's events lock and checked for an overlap). */
  async createEvent(tx: Queryable, e: { venueId: string; name: string; homeTeam: string | null; awayTeam: string | null; startsAt: Date; endsAt: Date }): Promise<string> {
    const [{ id }] = await exec<{ id: string }>(tx, `INSERT INTO events (venue_id, name, home_team, away_team, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [
      e.venueId,
      e.name,
      e.homeTeam,
      e.awayTeam,
      e.startsAt,
      e.endsAt,
    ]);
    return id;
  }

  /**
   * Serializes, across instances, what could put two events of one venue on top of each other
   * (creating an event, opening its gates) until `tx` ends.
   */
  async lockVenueEvents(tx: Queryable, venueId: string): Promise<void> {
    await exec(tx, `SELECT pg_advisory_xact_lock(hashtext('venue-events:' || $1::text))`, [venueId]);
  }

  /** The venue's first event (cancelled ones aside, `exceptId` too) whose window overlaps [startsAt, endsAt). */
  async overlappingAtVenue(tx: Queryable, venueId: string, startsAt: Date, endsAt: Date, exceptId: string | null = null): Promise<EventRow | undefined> {
    return row<EventRow>(
      tx,
      `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id
       WHERE e.venue_id = $1 AND e.status <> 'cancelled' AND e.starts_at < $3 AND e.ends_at > $2 AND ($4::uuid IS NULL OR e.id <> $4)
       ORDER BY e.starts_at LIMIT 1`,
      [venueId, startsAt, endsAt, exceptId],
    );
  }

  /** Another event of the venue with its gates open or live, if there is one. */
  async openAtVenue(tx: Queryable, venueId: string, exceptId: string): Promise<EventRow | undefined> {
    return row<EventRow>(
      tx,
      `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id
       WHERE e.venue_id = $1 AND e.status IN ('gates_open', 'live') AND e.id <> $2 ORDER BY e.status_changed_at LIMIT 1`,
      [venueId, exceptId],
    );
  }

  /** Other events, at any venue and not cancelled, whose window overlaps this event's (none for an unknown or cancelled event). */
  async overlapping(id: string): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.ds,
      `SELECT o.id FROM events e JOIN events o ON o.id <> e.id AND o.status <> 'cancelled' AND o.starts_at < e.ends_at AND o.ends_at > e.starts_at
       WHERE e.id = $1 AND e.status <> 'cancelled'`,
      [id],
    );
    return found.map((r) => r.id);
  }

  async findEvent(id: string, tx: Queryable = this.ds): Promise<EventRow | undefined> {
    return row<EventRow>(tx, `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1`, [id]);
  }

  async listEvents(filter: { venueId?: string; status?: EventStatus }): Promise<EventRow[]> {
    return rows<EventRow>(
      this.ds,
      `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id
       WHERE ($1::uuid IS NULL OR e.venue_id = $1) AND ($2::text IS NULL OR e.status = $2)
       ORDER BY e.starts_at, e.name LIMIT 500`,
      [filter.venueId ?? null, filter.status ?? null],
    );
  }

  /** When the event first opened its gates and first ended (from the transition log), for per-event windows. */
  async window(id: string): Promise<{ openedAt: Date | null; endedAt: Date | null }> {
    const found = await row<{ openedAt: Date | null; endedAt: Date | null }>(
      this.ds,
      `SELECT min(at) FILTER (WHERE to_status = 'gates_open') AS "openedAt", min(at) FILTER (WHERE to_status = 'ended') AS "endedAt"
       FROM event_transitions WHERE event_id = $1`,
      [id],
    );
    return { openedAt: found?.openedAt ?? null, endedAt: found?.endedAt ?? null };
  }

  /**
   * Compare-and-set on the status (and the version when given), inside the caller's transaction, so
   * two staff pressing buttons at once, on two instances, cannot both move the event. False when the
   * event had moved.
   */
  async transitionEvent(tx: EntityManager, id: string, from: EventStatus, to: EventStatus, expectedVersion: number | undefined, actor: string | null): Promise<boolean> {
    // An event that ends early gives the rest of its window back (the venue's next event may start then).
    const updated = await exec<{ id: string }>(
      tx,
      `UPDATE events SET status = $3, status_changed_at = now(), version = version + 1,
         ends_at = CASE WHEN $3 = 'ended' THEN greatest(starts_at, least(ends_at, now())) ELSE ends_at END
       WHERE id = $1 AND status = $2 AND ($4::int IS NULL OR version = $4) RETURNING id`,
      [id, from, to, expectedVersion ?? null],
    );
    if (updated.length === 0) return false;
    await tx.query(`INSERT INTO event_transitions (event_id, from_status, to_status, actor) VALUES ($1, $2, $3, $4)`, [id, from, to, actor]);
    return true;
  }

  private async insertSections(m: EntityManager, venueId: string, sections: NewVenue['sections']): Promise<void> {
    if (!sections.length) return;
    await m.query(
      `INSERT INTO sections (venue_id, code, name, stand, tier, capacity, neighbours)
       SELECT $1, s.code, s.name, s.stand, s.tier, s.capacity, ARRAY(SELECT jsonb_array_elements_text(s.neighbours))
       FROM jsonb_to_recordset($2::jsonb) AS s(code text, name text, stand text, tier int, capacity int, neighbours jsonb)`,
      [venueId, JSON.stringify(sections.map((s) => ({ ...s, neighbours: s.neighbours ?? [] })))],
    );
  }

  private async insertGates(m: EntityManager, venueId: string, gates: NewVenue['gates']): Promise<void> {
    if (!gates.length) return;
    await m.query(
      `INSERT INTO gates (venue_id, code, name, section_codes)
       SELECT $1, g.code, g.name, ARRAY(SELECT jsonb_array_elements_text(g.sections))
       FROM jsonb_to_recordset($2::jsonb) AS g(code text, name text, sections jsonb)`,
      [venueId, JSON.stringify(gates.map((g) => ({ code: g.code, name: g.name, sections: g.sectionCodes })))],
    );
  }
}
