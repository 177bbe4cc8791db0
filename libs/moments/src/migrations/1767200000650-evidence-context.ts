import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sensor moment's evidence context: the exact JSON text (rule and version, the samples' span, each
 * spiking sensor's section, owner, trust weight and baseline) that a leaf of its evidence root
 * commits to. Text, not jsonb: jsonb would reorder its keys, and the digest is of the text.
 */
export class EvidenceContext1767200000650 implements MigrationInterface {
  name = 'EvidenceContext1767200000650';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE moments ADD COLUMN evidence_context text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE moments DROP COLUMN evidence_context`);
  }
}
