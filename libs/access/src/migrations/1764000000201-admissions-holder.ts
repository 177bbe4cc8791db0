import { MigrationInterface, QueryRunner } from 'typeorm';

/** AdmissionDirectory.admitted(eventId, holder) runs for every coverage witness: an index instead of scanning the event's admissions. */
export class AdmissionsHolder1764000000201 implements MigrationInterface {
  name = 'AdmissionsHolder1764000000201';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS admissions_event_holder ON admissions (event_id, holder, admitted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS admissions_event_holder;');
  }
}
