import { MigrationInterface, QueryRunner } from 'typeorm';

/** A section's seat plan as the venue console draws it (`{ rows: ['##.##', …] }`); null when none was drawn. */
export class SectionSeatMaps1766700000000 implements MigrationInterface {
  name = 'SectionSeatMaps1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sections ADD COLUMN seat_map jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sections DROP COLUMN seat_map`);
  }
}
