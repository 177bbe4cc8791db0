import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Gate, Section, Venue, VenueEvent } from './venue.entity';
import { EventStatus } from './event-lifecycle';

export interface NewVenue {
  name: string;
  city: string;
  timezone: string;
  sections: Omit<Section, 'id' | 'venueId'>[];
  gates: Omit<Gate, 'id' | 'venueId'>[];
}

export interface EventRow extends VenueEvent {
  venueName: string;
}

const EVENT_COLUMNS = `e.id, e.venue_id AS "venueId", v.name AS "venueName", e.name, e.home_team AS "homeTeam",
  e.away_team AS "awayTeam", e.starts_at AS "startsAt", e.status, e.status_changed_at AS "statusChangedAt",
  e.version, e.created_at AS "createdAt"`;

/** Every query on venues, sections, gates and events lives here. */
@Injectable()
export class VenueRepository {
  constructor(private readonly ds: DataSource) {}

  async createVenue(v: NewVenue): Promise<string> {
    return this.ds.transaction(async (m) => {
      const [{ id }] = await m.query(`INSERT INTO venues (name, city, timezone) VALUES ($1, $2, $3) RETURNING id`, [v.name, v.city, v.timezone]);
      await this.insertSections(m, id, v.sections);
      await this.insertGates(m, id, v.gates);
      return id as string;
    });
  }

  async addSections(venueId: string, sections: NewVenue['sections']): Promise<void> {
    await this.ds.transaction((m) => this.insertSections(m, venueId, sections));
  }

  async addGates(venueId: string, gates: NewVenue['gates']): Promise<void> {
    await this.ds.transaction((m) => this.insertGates(m, venueId, gates));
  }

  async listVenues(): Promise<(Venue & { capacity: number })[]> {
    return this.ds.query(
      `SELECT v.id, v.name, v.city, v.timezone, v.created_at AS "createdAt", COALESCE(SUM(s.capacity), 0)::int AS capacity
       FROM venues v LEFT JOIN sections s ON s.venue_id = v.id GROUP BY v.id ORDER BY v.name`,
    );
  }

  async findVenue(id: string): Promise<Venue | undefined> {
    const rows = await this.ds.query(`SELECT id, name, city, timezone, created_at AS "createdAt" FROM venues WHERE id = $1`, [id]);
    return rows[0];
  }

  async sections(venueId: string): Promise<Section[]> {
    return this.ds.query(
      `SELECT id, venue_id AS "venueId", code, name, stand, tier, capacity, neighbours FROM sections WHERE venue_id = $1 ORDER BY tier, code`,
      [venueId],
    );
  }

  async gates(venueId: string): Promise<Gate[]> {
    return this.ds.query(`SELECT id, venue_id AS "venueId", code, name, section_codes AS "sectionCodes" FROM gates WHERE venue_id = $1 ORDER BY code`, [venueId]);
  }

  async createEvent(e: { venueId: string; name: string; homeTeam: string | null; awayTeam: string | null; startsAt: Date }): Promise<string> {
    const [{ id }] = await this.ds.query(
      `INSERT INTO events (venue_id, name, home_team, away_team, starts_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [e.venueId, e.name, e.homeTeam, e.awayTeam, e.startsAt],
    );
    return id;
  }

  async findEvent(id: string, tx: EntityManager = this.ds.manager): Promise<EventRow | undefined> {
    const rows = await tx.query(`SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1`, [id]);
    return rows[0];
  }

  async listEvents(filter: { venueId?: string; status?: EventStatus }): Promise<EventRow[]> {
    return this.ds.query(
      `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id
       WHERE ($1::uuid IS NULL OR e.venue_id = $1) AND ($2::text IS NULL OR e.status = $2)
       ORDER BY e.starts_at, e.name LIMIT 500`,
      [filter.venueId ?? null, filter.status ?? null],
    );
  }

  /** When the event first opened its gates and first ended (from the transition log), for per-event windows. */
  async window(id: string): Promise<{ openedAt: Date | null; endedAt: Date | null }> {
    const [row] = await this.ds.query(
      `SELECT min(at) FILTER (WHERE to_status = 'gates_open') AS "openedAt", min(at) FILTER (WHERE to_status = 'ended') AS "endedAt"
       FROM event_transitions WHERE event_id = $1`,
      [id],
    );
    return { openedAt: row?.openedAt ?? null, endedAt: row?.endedAt ?? null };
  }

  /**
   * Compare-and-set on the status (and the version when given), so two staff pressing buttons at
   * once, on two instances, cannot both move the event. Returns undefined when the event had moved.
   */
  async transitionEvent(id: string, from: EventStatus, to: EventStatus, expectedVersion: number | undefined, actor: string | null): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const updated = await m.query(
        `UPDATE events SET status = $3, status_changed_at = now(), version = version + 1
         WHERE id = $1 AND status = $2 AND ($4::int IS NULL OR version = $4) RETURNING id`,
        [id, from, to, expectedVersion ?? null],
      );
      if (updated[0].length === 0) return false;
      await m.query(`INSERT INTO event_transitions (event_id, from_status, to_status, actor) VALUES ($1, $2, $3, $4)`, [id, from, to, actor]);
      return true;
    });
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
