import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rows } from '@fanmesh/db';
import type { AccountEarning, EventEpoch } from '@fanmesh/directory';
import type { RewardKind } from './reward-rules';

interface EarningRow extends Omit<AccountEarning, 'clipped'> {
  clipped: string | null;
}

/** Read-only: what accounts were credited per event and epoch, with the epoch's status and their place in its tree (the device owner app). */
@Injectable()
export class EarningsRepository {
  constructor(private readonly ds: DataSource) {}

  async earnings(accounts: string[], kind: RewardKind, eventIds: string[]): Promise<EarningRow[]> {
    if (!accounts.length || !eventIds.length) return [];
    return rows<EarningRow>(
      this.ds,
      `SELECT e.event_id AS "eventId", e.account, e.kind, sum(e.amount)::text AS amount, sum(e.requested)::text AS requested,
              max(e.clipped) AS clipped, e.epoch_id::text AS "epochId", p.status AS "epochStatus", p.published_at AS "publishedAt",
              a.cumulative::text AS cumulative
       FROM reward_entries e
       LEFT JOIN reward_epochs p ON p.id = e.epoch_id
       LEFT JOIN reward_epoch_accounts a ON a.epoch_id = e.epoch_id AND a.account = e.account
       WHERE e.account = ANY($1::text[]) AND e.kind = $2 AND e.event_id = ANY($3::uuid[])
       GROUP BY e.event_id, e.account, e.kind, e.epoch_id, p.status, p.published_at, a.cumulative
       ORDER BY e.epoch_id NULLS LAST, e.event_id, e.account`,
      [accounts, kind, eventIds],
    );
  }

  async eventEpochs(eventIds: string[]): Promise<EventEpoch[]> {
    if (!eventIds.length) return [];
    return rows<EventEpoch>(
      this.ds,
      `SELECT event_id AS "eventId", id::text AS "epochId", status, published_at AS "publishedAt" FROM reward_epochs WHERE event_id = ANY($1::uuid[]) ORDER BY id`,
      [eventIds],
    );
  }
}
