import { MigrationInterface, QueryRunner } from 'typeorm';

export class Venues1764000000000 implements MigrationInterface {
  name = 'Venues1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE venues (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        city text NOT NULL,
        timezone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE sections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        stand text NOT NULL CHECK (stand IN ('north','east','south','west')),
        tier int NOT NULL CHECK (tier BETWEEN 1 AND 9),
        capacity int NOT NULL CHECK (capacity > 0),
        neighbours text[] NOT NULL DEFAULT '{}',
        UNIQUE (venue_id, code)
      );
      CREATE TABLE gates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        section_codes text[] NOT NULL,
        UNIQUE (venue_id, code)
      );
      CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        venue_id uuid NOT NULL REFERENCES venues(id) ON DELETE RESTRICT,
        name text NOT NULL,
        home_team text,
        away_team text,
        starts_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'scheduled'
          CHECK (status IN ('scheduled','gates_open','live','ended','settled','cancelled')),
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX events_venue_starts ON events (venue_id, starts_at);
      CREATE TABLE event_transitions (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX event_transitions_event ON event_transitions (event_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE event_transitions; DROP TABLE events; DROP TABLE gates; DROP TABLE sections; DROP TABLE venues;');
  }
}
