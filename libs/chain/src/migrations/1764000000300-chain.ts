import { MigrationInterface, QueryRunner } from 'typeorm';

export class Chain1764000000300 implements MigrationInterface {
  name = 'Chain1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chain_contracts (
        chain_id bigint NOT NULL,
        name text NOT NULL,
        address text NOT NULL,
        deployed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (chain_id, name)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE chain_contracts');
  }
}
