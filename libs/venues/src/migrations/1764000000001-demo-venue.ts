import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEMO_EVENT_ID, DEMO_VENUE_ID, demoGates, demoSections } from '../demo-venue';

export class DemoVenue1764000000001 implements MigrationInterface {
  name = 'DemoVenue1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO venues (id, name, city, timezone) VALUES ($1, 'FanMesh Arena', 'Lisbon', 'Europe/Lisbon')`, [DEMO_VENUE_ID]);
    const sections = demoSections();
    await q.query(
      `INSERT INTO sections (venue_id, code, name, stand, tier, capacity, neighbours)
       SELECT $1, s.code, s.name, s.stand, s.tier, s.capacity, string_to_array(s.neighbours, ',')
       FROM jsonb_to_recordset($2::jsonb) AS s(code text, name text, stand text, tier int, capacity int, neighbours text)`,
      [DEMO_VENUE_ID, JSON.stringify(sections.map((s) => ({ ...s, neighbours: s.neighbours.join(',') })))],
    );
    await q.query(
      `INSERT INTO gates (venue_id, code, name, section_codes)
       SELECT $1, g.code, g.name, string_to_array(g.sections, ',')
       FROM jsonb_to_recordset($2::jsonb) AS g(code text, name text, sections text)`,
      [DEMO_VENUE_ID, JSON.stringify(demoGates().map((g) => ({ code: g.code, name: g.name, sections: g.sectionCodes.join(',') })))],
    );
    await q.query(
      `INSERT INTO events (id, venue_id, name, home_team, away_team, starts_at)
       VALUES ($1, $2, 'FanMesh FC vs Harbour City', 'FanMesh FC', 'Harbour City', date_trunc('day', now()) + interval '1 day 19 hours')`,
      [DEMO_EVENT_ID, DEMO_VENUE_ID],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM events WHERE venue_id = $1', [DEMO_VENUE_ID]);
    await q.query('DELETE FROM venues WHERE id = $1', [DEMO_VENUE_ID]);
  }
}
