import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A challenge remembers the network its hotspot asked from (an IPv4 address or an IPv6 /64), so a
 * witness relayed to a phone elsewhere is refused (`not_on_hotspot_network`). Older rows have none.
 */
export class ChallengeNetwork1767300000000 implements MigrationInterface {
  name = 'ChallengeNetwork1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE coverage_challenges ADD COLUMN network text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE coverage_challenges DROP COLUMN network');
  }
}
