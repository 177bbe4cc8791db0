import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, rows } from '@fanmesh/db';
import { FULL_BPS, RATE_KINDS } from './reward-rates';

/** One controller step of one kind, as kept for the audit. */
export interface RateStepRow {
  epochId: string;
  kind: string;
  factorBefore: number;
  factorAfter: number;
  emitted: string;
  budget: string | null;
  at: Date;
}

/** The rate controller's state: each kind's factor, and the steps that moved it. */
@Injectable()
export class RewardRatesRepository {
  constructor(private readonly ds: DataSource) {}

  /** Each rate kind's factor (bps of its default rate); a kind never stepped is at the default. */
  async factors(db: Queryable = this.ds): Promise<Map<string, number>> {
    const found = await rows<{ kind: string; factor: number }>(db, `SELECT kind, factor_bps AS factor FROM reward_rates`);
    const out = new Map<string, number>(RATE_KINDS.map((k) => [k, FULL_BPS]));
    for (const r of found) out.set(r.kind, r.factor);
    return out;
  }

  /** What an epoch's entries pay per kind. */
  async emittedByKind(tx: EntityManager, epochId: string): Promise<Map<string, bigint>> {
    const found = await rows<{ kind: string; total: string }>(tx, `SELECT kind, sum(amount)::text AS total FROM reward_entries WHERE epoch_id = $1 GROUP BY kind`, [epochId]);
    return new Map(found.map((r) => [r.kind, BigInt(r.total)]));
  }

  /** The cumulative total of every epoch closed so far and not rejected (what the chain's bound will count), this one's included. */
  async cumulativeEmitted(tx: EntityManager): Promise<bigint> {
    const found = await rows<{ total: string }>(tx, `SELECT coalesce(sum(epoch_total), 0)::text AS total FROM reward_epochs WHERE status <> 'rejected'`);
    return BigInt(found[0].total);
  }

  /**
   * Records an epoch's steps and moves the factors, in the closing transaction. A step already kept
   * for (epoch, kind) is not taken again; the factors' rows are locked so two closes cannot interleave.
   */
  async step(tx: EntityManager, epochId: string, steps: { kind: string; before: number; after: number; emitted: bigint; budget: bigint | undefined }[]): Promise<void> {
    if (!steps.length) return;
    await exec(tx, `SELECT 1 FROM reward_rates WHERE kind = ANY($1::text[]) FOR UPDATE`, [steps.map((s) => s.kind)]);
    const taken = await rows<{ kind: string }>(
      tx,
      `INSERT INTO reward_rate_steps (epoch_id, kind, factor_before, factor_after, emitted, budget)
       SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::numeric[], $6::numeric[]) ON CONFLICT DO NOTHING RETURNING kind`,
      [
        epochId,
        steps.map((s) => s.kind),
        steps.map((s) => s.before),
        steps.map((s) => s.after),
        steps.map((s) => s.emitted.toString()),
        steps.map((s) => s.budget?.toString() ?? null),
      ],
    );
    const moved = steps.filter((s) => taken.some((t) => t.kind === s.kind));
    if (!moved.length) return;
    await exec(
      tx,
      `INSERT INTO reward_rates (kind, factor_bps, epoch_id, updated_at) SELECT *, $3::bigint, now() FROM unnest($1::text[], $2::int[])
       ON CONFLICT (kind) DO UPDATE SET factor_bps = EXCLUDED.factor_bps, epoch_id = EXCLUDED.epoch_id, updated_at = now()`,
      [moved.map((s) => s.kind), moved.map((s) => s.after), epochId],
    );
  }

  /** The latest steps, newest first (the season's rates, for anyone to read). */
  async steps(limit: number): Promise<RateStepRow[]> {
    return rows<RateStepRow>(
      this.ds,
      `SELECT epoch_id::text AS "epochId", kind, factor_before AS "factorBefore", factor_after AS "factorAfter", emitted::text, budget::text, at
       FROM reward_rate_steps ORDER BY at DESC, kind LIMIT $1`,
      [limit],
    );
  }
}
