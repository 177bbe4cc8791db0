import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who bought tickets together: every ticket carries its purchase group (one buyer's tickets at one
 * event: issued to one address, imported for one contact, or claimed by one key) and the address
 * that bought or claimed it. Transfers keep both, so keys handed one buyer's tickets stay that
 * buyer's group (coverage counts a group once per hotspot; docs/coverage.md "Purchase groups").
 * Tickets from before are grouped by their imported contact, else by their holder.
 */
export class PurchaseGroups1767400000000 implements MigrationInterface {
  name = 'PurchaseGroups1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tickets ADD COLUMN purchase_group text, ADD COLUMN purchased_by text;
      UPDATE tickets t SET purchased_by = NULLIF(t.holder, '0x0000000000000000000000000000000000000000'),
        purchase_group = md5(t.event_id::text || ':' || coalesce((SELECT 'contact:' || lower(o.contact) FROM ticket_orders o WHERE o.ticket_id = t.id), 'buyer:' || t.holder));
      CREATE INDEX tickets_purchase_group ON tickets (event_id, purchase_group);
      CREATE INDEX tickets_purchased_by ON tickets (event_id, purchased_by) WHERE purchased_by IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tickets_purchased_by; DROP INDEX tickets_purchase_group; ALTER TABLE tickets DROP COLUMN purchased_by, DROP COLUMN purchase_group;');
  }
}
