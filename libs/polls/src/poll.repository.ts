import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { Eligibility, Weighting } from './ballots';

export interface PollRow {
  id: string;
  venueId: string;
  eventId: string | null;
  question: string;
  options: string[];
  opensAt: Date;
  closesAt: Date;
  eligibility: Eligibility;
  weighting: Weighting;
  createdBy: string;
  createdAt: Date;
  openedAt: Date | null;
  snapshotBlock: string | null;
  snapshotBlockHash: string | null;
  snapshotHolders: number | null;
  closedAt: Date | null;
  closedBy: string | null;
  tallyHash: string | null;
  ballotsRoot: string | null;
  totals: string[] | null;
  ballotCounts: number[] | null;
  attestedAt: Date | null;
}

export interface BallotRow {
  voter: string;
  option: number;
  issuedAt: string;
  weight: string;
  signature: string;
  receivedAt: Date;
}

const COLUMNS = `p.id, p.venue_id AS "venueId", p.event_id AS "eventId", p.question, p.options, p.opens_at AS "opensAt", p.closes_at AS "closesAt",
  p.eligibility, p.weighting, p.created_by AS "createdBy", p.created_at AS "createdAt", p.opened_at AS "openedAt",
  p.snapshot_block AS "snapshotBlock", p.snapshot_block_hash AS "snapshotBlockHash", p.snapshot_holders AS "snapshotHolders",
  p.closed_at AS "closedAt", p.closed_by AS "closedBy", p.tally_hash AS "tallyHash", p.ballots_root AS "ballotsRoot",
  p.totals::text[] AS totals, p.ballot_counts AS "ballotCounts", p.attested_at AS "attestedAt"`;

/** Sum of weights and ballot count of one option. */
export interface TallyRow {
  option: number;
  total: string;
  ballots: number;
}

/** A closed poll whose attestation the chain does not show yet. */
export interface UnattestedRow {
  id: string;
  tallyHash: string;
  ballotsRoot: string;
}

const BALLOT_COLUMNS = `voter, option, issued_at::text AS "issuedAt", weight::text AS weight, signature, received_at AS "receivedAt"`;

/** Raw SQL for polls, their snapshots and ballots. Opening, voting and closing serialize on the poll's row lock. */
@Injectable()
export class PollRepository {
  constructor(private readonly ds: DataSource) {}

  async create(p: Pick<PollRow, 'venueId' | 'eventId' | 'question' | 'options' | 'opensAt' | 'closesAt' | 'eligibility' | 'weighting' | 'createdBy'>): Promise<string> {
    const [created] = await exec<{ id: string }>(
      this.ds,
      `INSERT INTO polls (venue_id, event_id, question, options, opens_at, closes_at, eligibility, weighting, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [p.venueId, p.eventId, p.question, p.options, p.opensAt, p.closesAt, p.eligibility, p.weighting, p.createdBy],
    );
    return created.id;
  }

  async find(id: string, tx: Queryable = this.ds, lock?: 'share' | 'update'): Promise<PollRow | undefined> {
    return row<PollRow>(tx, `SELECT ${COLUMNS} FROM polls p WHERE p.id = $1 ${lock === 'update' ? 'FOR UPDATE' : lock === 'share' ? 'FOR SHARE' : ''}`, [id]);
  }

  async list(filter: { eventId?: string; venueId?: string }): Promise<PollRow[]> {
    return rows<PollRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM polls p WHERE ($1::uuid IS NULL OR p.event_id = $1) AND ($2::uuid IS NULL OR p.venue_id = $2) ORDER BY p.opens_at DESC, p.id LIMIT 500`,
      [filter.eventId ?? null, filter.venueId ?? null],
    );
  }

  /** Brings a scheduled poll's opening time forward to now (staff opening it by hand); false when it was not scheduled. */
  async openNow(id: string): Promise<boolean> {
    const moved = await exec<{ id: string }>(
      this.ds,
      `UPDATE polls SET opens_at = now() WHERE id = $1 AND opened_at IS NULL AND closed_at IS NULL AND opens_at > now() AND closes_at > now() RETURNING id`,
      [id],
    );
    return moved.length === 1;
  }

  /** Polls whose opening time has come but which are not open yet. */
  async dueToOpen(limit = 20): Promise<string[]> {
    return (await rows<{ id: string }>(this.ds, `SELECT id FROM polls WHERE opened_at IS NULL AND opens_at <= now() ORDER BY opens_at LIMIT $1`, [limit])).map((r) => r.id);
  }

  /** Polls past their closing time that are not closed yet. */
  async dueToClose(limit = 20): Promise<string[]> {
    return (await rows<{ id: string }>(this.ds, `SELECT id FROM polls WHERE closed_at IS NULL AND closes_at <= now() ORDER BY closes_at LIMIT $1`, [limit])).map((r) => r.id);
  }

  /** Records the opening and the snapshot (balances in one statement), in the caller's transaction. */
  async open(tx: Queryable, id: string, snapshot: { block: number; hash: string; balances: Map<string, bigint> } | null): Promise<void> {
    if (snapshot && snapshot.balances.size) {
      await exec(tx, `INSERT INTO poll_snapshot_balances (poll_id, holder, balance) SELECT $1, h, b FROM unnest($2::text[], $3::numeric[]) AS u(h, b) ON CONFLICT DO NOTHING`, [
        id,
        [...snapshot.balances.keys()],
        [...snapshot.balances.values()].map(String),
      ]);
    }
    await exec(tx, `UPDATE polls SET opened_at = now(), snapshot_block = $2, snapshot_block_hash = $3, snapshot_holders = $4 WHERE id = $1 AND opened_at IS NULL`, [
      id,
      snapshot?.block ?? null,
      snapshot?.hash ?? null,
      snapshot ? snapshot.balances.size : null,
    ]);
  }

  async snapshotBalance(id: string, holder: string, tx: Queryable = this.ds): Promise<bigint> {
    const found = await row<{ balance: string }>(tx, `SELECT balance::text AS balance FROM poll_snapshot_balances WHERE poll_id = $1 AND holder = $2`, [id, holder]);
    return found ? BigInt(found.balance) : 0n;
  }

  /**
   * Counts the fan's ballot unless they already have one issued at or after it. Returns 'stale' when
   * theirs on record is as recent, 'same' when this exact ballot is already counted.
   */
  async upsertBallot(tx: Queryable, id: string, b: { voter: string; option: number; issuedAt: number; weight: bigint; signature: string }): Promise<'counted' | 'same' | 'stale'> {
    const counted = await exec<{ signature: string }>(
      tx,
      `INSERT INTO poll_ballots (poll_id, voter, option, issued_at, weight, signature) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (poll_id, voter) DO UPDATE SET option = EXCLUDED.option, issued_at = EXCLUDED.issued_at, weight = EXCLUDED.weight, signature = EXCLUDED.signature, received_at = now()
       WHERE poll_ballots.issued_at < EXCLUDED.issued_at
       RETURNING signature`,
      [id, b.voter, b.option, b.issuedAt, b.weight.toString(), b.signature],
    );
    if (counted.length === 0) {
      const current = await row<{ signature: string }>(tx, `SELECT signature FROM poll_ballots WHERE poll_id = $1 AND voter = $2`, [id, b.voter]);
      return current?.signature === b.signature ? 'same' : 'stale';
    }
    await exec(tx, `INSERT INTO poll_ballot_log (poll_id, voter, option, issued_at, weight, signature) VALUES ($1, $2, $3, $4, $5, $6)`, [
      id,
      b.voter,
      b.option,
      b.issuedAt,
      b.weight.toString(),
      b.signature,
    ]);
    return 'counted';
  }

  /** Sum of weights and ballot count per option (options nobody chose are absent). */
  async liveTally(id: string): Promise<TallyRow[]> {
    return rows<TallyRow>(this.ds, `SELECT option, sum(weight)::text AS total, count(*)::int AS ballots FROM poll_ballots WHERE poll_id = $1 GROUP BY option`, [id]);
  }

  async ballots(id: string, tx: Queryable = this.ds): Promise<BallotRow[]> {
    return rows<BallotRow>(tx, `SELECT ${BALLOT_COLUMNS} FROM poll_ballots WHERE poll_id = $1 ORDER BY voter`, [id]);
  }

  async close(tx: Queryable, id: string, r: { by: string; tallyHash: string; ballotsRoot: string; totals: bigint[]; counts: number[] }): Promise<void> {
    await exec(
      tx,
      `UPDATE polls SET closed_at = now(), closed_by = $2, tally_hash = $3, ballots_root = $4, totals = $5::numeric[], ballot_counts = $6 WHERE id = $1 AND closed_at IS NULL`,
      [id, r.by, r.tallyHash, r.ballotsRoot, r.totals.map(String), r.counts],
    );
  }

  /** Closed polls whose attestation the chain does not show yet. */
  async unattested(limit = 20): Promise<UnattestedRow[]> {
    return rows<UnattestedRow>(
      this.ds,
      `SELECT id, tally_hash AS "tallyHash", ballots_root AS "ballotsRoot" FROM polls WHERE closed_at IS NOT NULL AND attested_at IS NULL ORDER BY closed_at LIMIT $1`,
      [limit],
    );
  }

  async markAttested(id: string): Promise<void> {
    await exec(this.ds, `UPDATE polls SET attested_at = now() WHERE id = $1 AND attested_at IS NULL`, [id]);
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }
}
