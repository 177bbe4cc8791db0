import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rows } from '@fanmesh/db';
import { PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';

/**
 * The polls context's part of a fan's export: their signed ballots (and every change of vote) and
 * the snapshot balances they voted with. Nothing is erased: a closed poll's ballots root is attested
 * on chain, and anyone holding the ballots can check the tally against it.
 */
@Injectable()
export class PollsPersonalDataRepository {
  @PersonalDataExport('polls')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const ballots = await rows<Record<string, unknown>>(
      tx,
      `SELECT poll_id AS "pollId", option, issued_at::text AS "issuedAt", weight::text AS weight, signature, received_at AS "receivedAt"
       FROM poll_ballots WHERE voter = $1 ORDER BY received_at, poll_id`,
      [address],
    );
    const history = await rows<Record<string, unknown>>(
      tx,
      `SELECT poll_id AS "pollId", option, issued_at::text AS "issuedAt", weight::text AS weight, received_at AS "receivedAt"
       FROM poll_ballot_log WHERE voter = $1 ORDER BY id`,
      [address],
    );
    const snapshots = await rows<Record<string, unknown>>(
      tx,
      `SELECT poll_id AS "pollId", balance::text AS balance FROM poll_snapshot_balances WHERE holder = $1 ORDER BY poll_id`,
      [address],
    );
    return { ballots, history, snapshots };
  }
}
