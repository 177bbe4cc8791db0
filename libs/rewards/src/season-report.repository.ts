import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rows } from '@fanmesh/db';

export interface SeasonEventKindRow {
  eventId: string;
  kind: string;
  units: string;
  paid: string;
}

export interface SeasonAccountKindRow {
  account: string;
  kind: string;
  units: string;
  paid: string;
}

export interface SeasonClippedRow {
  kind: string;
  clipped: string;
  n: number;
}

export interface SeasonEpochRow {
  epochId: string;
  eventId: string;
  status: string;
  closedAt: Date;
  publishedAt: Date | null;
  /** the publishRoot transaction, once published: its block's time is when the chain counted the epoch */
  txHash: string | null;
  emitted: string | null;
  cumulative: string | null;
}

/** The ledger's aggregates for one season: the events whose pools are in it, and what their entries paid for what work. */
@Injectable()
export class SeasonReportRepository {
  constructor(private readonly ds: DataSource) {}

  /** The season's events that earned anything, with how many accounts earned at each. */
  async events(season: string): Promise<{ eventId: string; accounts: number }[]> {
    return rows(
      this.ds,
      `SELECT s.event_id AS "eventId", (SELECT count(DISTINCT e.account)::int FROM reward_entries e WHERE e.event_id = s.event_id) AS accounts
       FROM (SELECT DISTINCT event_id FROM reward_pools WHERE season = $1) s`,
      [season],
    );
  }

  /** Units of work and pay per (event, kind). */
  async byEventKind(season: string): Promise<SeasonEventKindRow[]> {
    return rows(
      this.ds,
      `SELECT e.event_id AS "eventId", e.kind, sum(e.units)::text AS units, sum(e.amount)::text AS paid
       FROM reward_entries e JOIN reward_pools p ON p.event_id = e.event_id AND p.kind = e.kind
       WHERE p.season = $1 GROUP BY e.event_id, e.kind`,
      [season],
    );
  }

  /** Units of work and pay per (account, kind) over the season. */
  async byAccountKind(season: string): Promise<SeasonAccountKindRow[]> {
    return rows(
      this.ds,
      `SELECT e.account, e.kind, sum(e.units)::text AS units, sum(e.amount)::text AS paid
       FROM reward_entries e JOIN reward_pools p ON p.event_id = e.event_id AND p.kind = e.kind
       WHERE p.season = $1 GROUP BY e.account, e.kind`,
      [season],
    );
  }

  /** How many entries each cap or pool cut, per kind. */
  async clipped(season: string): Promise<SeasonClippedRow[]> {
    return rows(
      this.ds,
      `SELECT e.kind, e.clipped, count(*)::int AS n
       FROM reward_entries e JOIN reward_pools p ON p.event_id = e.event_id AND p.kind = e.kind
       WHERE p.season = $1 AND e.clipped IS NOT NULL GROUP BY e.kind, e.clipped`,
      [season],
    );
  }

  /** Epochs closed for the season's events, oldest first. */
  async epochs(season: string): Promise<SeasonEpochRow[]> {
    return rows(
      this.ds,
      `SELECT r.id::text AS "epochId", r.event_id AS "eventId", r.status, r.closed_at AS "closedAt", r.published_at AS "publishedAt",
              r.tx_hash AS "txHash", r.epoch_total::text AS emitted, r.total::text AS cumulative
       FROM reward_epochs r WHERE r.event_id IN (SELECT event_id FROM reward_pools WHERE season = $1) ORDER BY r.id`,
      [season],
    );
  }
}
