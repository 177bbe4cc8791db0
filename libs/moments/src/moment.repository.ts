import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { MomentKind } from './moment.types';

export type MomentStatus = 'candidate' | 'confirmed' | 'rejected';

export interface MomentRow {
  id: string;
  eventId: string;
  venueId: string;
  kind: MomentKind;
  team: 'home' | 'away' | null;
  at: Date;
  status: MomentStatus;
  source: 'sensors' | 'feed';
  signal: Record<string, unknown> | null;
  confirmedBy: 'staff' | 'feed' | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  rejectReason: string | null;
  attendance: number | null;
  evidenceRoot: string | null;
  /** The exact JSON text of the rule's context (MomentEvidenceContext) a leaf of the evidence root commits to; null for feed-created moments and older ones. */
  evidenceContext: string | null;
  attestBatch: string | null;
  createdAt: Date;
}

export interface NewMoment {
  eventId: string;
  venueId: string;
  kind: MomentKind;
  team: 'home' | 'away' | null;
  at: Date;
  status: 'candidate' | 'confirmed';
  source: 'sensors' | 'feed';
  signal: Record<string, unknown> | null;
  confirmedBy: 'staff' | 'feed' | null;
  decidedBy: string | null;
  feedRef: string | null;
  attendance: number | null;
  evidenceRoot: string;
  evidenceContext: string | null;
  evidence: { device: string; seq: number }[];
}

export interface TrustVote {
  device: string;
  cause: string;
  agree: boolean;
}

export interface TrustRecord {
  agree: number;
  disagree: number;
}

const COLUMNS = `m.id, m.event_id AS "eventId", m.venue_id AS "venueId", m.kind, m.team, m.at, m.status, m.source, m.signal,
  m.confirmed_by AS "confirmedBy", m.decided_by AS "decidedBy", m.decided_at AS "decidedAt", m.reject_reason AS "rejectReason",
  m.attendance, m.evidence_root AS "evidenceRoot", m.evidence_context AS "evidenceContext", m.attest_batch AS "attestBatch", m.created_at AS "createdAt"`;

/** Moments, their evidence keys, sensor trust votes, attestation batches and the feed's secrets and receipts. */
@Injectable()
export class MomentRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** Serializes moment decisions of one event across instances for the rest of the transaction. */
  async lockEvent(tx: EntityManager, eventId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('moments:' || $1::text))`, [eventId]);
  }

  async get(id: string, tx: Queryable = this.ds): Promise<MomentRow | undefined> {
    return row<MomentRow>(tx, `SELECT ${COLUMNS} FROM moments m WHERE m.id = $1`, [id]);
  }

  async list(eventId: string, statuses: MomentStatus[]): Promise<MomentRow[]> {
    return rows<MomentRow>(this.ds, `SELECT ${COLUMNS} FROM moments m WHERE m.event_id = $1 AND m.status = ANY($2) ORDER BY m.at, m.id LIMIT 1000`, [eventId, statuses]);
  }

  /** Sensor moments of an event whose burst overlaps [from, to] (any status). */
  async overlapping(tx: EntityManager, eventId: string, from: Date, to: Date): Promise<MomentRow[]> {
    return rows<MomentRow>(
      tx,
      `SELECT ${COLUMNS} FROM moments m WHERE m.event_id = $1 AND m.source = 'sensors'
         AND (m.signal->>'from')::bigint <= $3 AND (m.signal->>'to')::bigint >= $2`,
      [eventId, from.getTime(), to.getTime()],
    );
  }

  /** Moments of an event within `ms` of `at` (nearest first). */
  async near(tx: EntityManager | undefined, eventId: string, at: Date, ms: number): Promise<MomentRow[]> {
    return rows<MomentRow>(
      tx ?? this.ds,
      `SELECT ${COLUMNS} FROM moments m WHERE m.event_id = $1 AND m.at BETWEEN $2::timestamptz - make_interval(secs => $3) AND $2::timestamptz + make_interval(secs => $3)
       ORDER BY abs(extract(epoch FROM m.at - $2::timestamptz)), m.id`,
      [eventId, at.toISOString(), ms / 1000],
    );
  }

  async byFeedRef(tx: EntityManager, feedRef: string): Promise<MomentRow | undefined> {
    return row<MomentRow>(tx, `SELECT ${COLUMNS} FROM moments m WHERE m.feed_ref = $1`, [feedRef]);
  }

  async insert(tx: EntityManager, m: NewMoment): Promise<string> {
    const [{ id }] = await exec<{ id: string }>(
      tx,
      `INSERT INTO moments (event_id, venue_id, kind, team, at, status, source, signal, confirmed_by, decided_by, decided_at, feed_ref, attendance, evidence_root, evidence_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $6 = 'confirmed' THEN now() END, $11, $12, $13, $14) RETURNING id`,
      [
        m.eventId,
        m.venueId,
        m.kind,
        m.team,
        m.at.toISOString(),
        m.status,
        m.source,
        m.signal ? JSON.stringify(m.signal) : null,
        m.confirmedBy,
        m.decidedBy,
        m.feedRef,
        m.attendance,
        m.evidenceRoot,
        m.evidenceContext,
      ],
    );
    if (m.evidence.length) {
      await exec(tx, `INSERT INTO moment_evidence (moment_id, device, seq) SELECT $1, d, s FROM unnest($2::text[], $3::bigint[]) AS u(d, s) ON CONFLICT DO NOTHING`, [
        id,
        m.evidence.map((e) => e.device),
        m.evidence.map((e) => e.seq),
      ]);
    }
    return id;
  }

  /** candidate -> confirmed; false when it was not a candidate any more. */
  async confirm(
    tx: EntityManager,
    id: string,
    d: { kind: MomentKind; team: 'home' | 'away' | null; by: 'staff' | 'feed'; decidedBy: string; attendance: number; feedRef: string | null },
  ): Promise<boolean> {
    const done = await exec<{ id: string }>(
      tx,
      `UPDATE moments SET status = 'confirmed', kind = $2, team = $3, confirmed_by = $4, decided_by = $5, decided_at = now(), attendance = $6, feed_ref = COALESCE($7, feed_ref)
       WHERE id = $1 AND status = 'candidate' RETURNING id`,
      [id, d.kind, d.team, d.by, d.decidedBy, d.attendance, d.feedRef],
    );
    return done.length === 1;
  }

  async reject(tx: EntityManager, id: string, decidedBy: string, reason: string): Promise<boolean> {
    const done = await exec<{ id: string }>(
      tx,
      `UPDATE moments SET status = 'rejected', decided_by = $2, decided_at = now(), reject_reason = $3 WHERE id = $1 AND status = 'candidate' RETURNING id`,
      [id, decidedBy, reason],
    );
    return done.length === 1;
  }

  async setFeedRef(tx: EntityManager, id: string, feedRef: string): Promise<void> {
    await exec(tx, `UPDATE moments SET feed_ref = $2 WHERE id = $1 AND feed_ref IS NULL`, [id, feedRef]);
  }

  async evidenceKeys(momentId: string): Promise<{ device: string; seq: number }[]> {
    const found = await rows<{ device: string; seq: string }>(this.ds, `SELECT device, seq FROM moment_evidence WHERE moment_id = $1 ORDER BY device, seq`, [momentId]);
    return found.map((r) => ({ device: r.device, seq: Number(r.seq) }));
  }

  // ------------------------------------------------------------ trust

  async vote(votes: TrustVote[]): Promise<void> {
    if (!votes.length) return;
    await exec(this.ds, `INSERT INTO sensor_trust_votes (device, cause, agree) SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[]) ON CONFLICT DO NOTHING`, [
      votes.map((v) => v.device),
      votes.map((v) => v.cause),
      votes.map((v) => v.agree),
    ]);
  }

  async records(devices: string[]): Promise<Map<string, TrustRecord>> {
    const found = devices.length
      ? await rows<{ device: string } & TrustRecord>(
          this.ds,
          `SELECT device, count(*) FILTER (WHERE agree)::int AS agree, count(*) FILTER (WHERE NOT agree)::int AS disagree FROM sensor_trust_votes WHERE device = ANY($1) GROUP BY device`,
          [devices],
        )
      : [];
    return new Map(found.map((r) => [r.device, { agree: r.agree, disagree: r.disagree }]));
  }

  /** Staff approvals of these sensors: the owner each was approved under, and by whom. */
  async approvalRecords(devices: string[]): Promise<Map<string, { owner: string; by: string }>> {
    const found = devices.length
      ? await rows<{ device: string; owner: string; by: string }>(this.ds, `SELECT device, owner, approved_by AS by FROM sensor_approvals WHERE device = ANY($1)`, [devices])
      : [];
    return new Map(found.map((r) => [r.device, { owner: r.owner, by: r.by }]));
  }

  /** Approves a sensor under its current owner (again: renews it under that owner). */
  async approve(a: { device: string; venueId: string; owner: string; by: string }): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO sensor_approvals (device, venue_id, owner, approved_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (device) DO UPDATE SET venue_id = EXCLUDED.venue_id, owner = EXCLUDED.owner, approved_by = EXCLUDED.approved_by, approved_at = now()`,
      [a.device, a.venueId, a.owner, a.by],
    );
  }

  async withdrawApproval(device: string): Promise<void> {
    await exec(this.ds, `DELETE FROM sensor_approvals WHERE device = $1`, [device]);
  }

  // ------------------------------------------------------------ attestation

  /** Claims up to `limit` confirmed, unattested moments into a new batch (one transaction). */
  async claimBatch(limit: number): Promise<{ batchId: string; moments: MomentRow[] } | undefined> {
    return this.ds.transaction(async (tx) => {
      const found = await rows<MomentRow>(
        tx,
        `SELECT ${COLUMNS} FROM moments m WHERE m.status = 'confirmed' AND m.attest_batch IS NULL ORDER BY m.created_at, m.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (!found.length) return undefined;
      const [{ id }] = await exec<{ id: string }>(tx, `INSERT INTO moment_attestations (moment_ids) VALUES ($1) RETURNING id`, [found.map((r) => r.id)]);
      await exec(tx, `UPDATE moments SET attest_batch = $1 WHERE id = ANY($2)`, [id, found.map((r) => r.id)]);
      return { batchId: id, moments: found };
    });
  }

  /** Batches made but not yet handed to the outbox (a crash in between): re-enqueued, idempotently. */
  async unenqueued(): Promise<{ batchId: string; moments: MomentRow[] }[]> {
    const batches = await rows<{ id: string }>(this.ds, `SELECT id FROM moment_attestations WHERE enqueued_at IS NULL ORDER BY created_at LIMIT 50`);
    const out: { batchId: string; moments: MomentRow[] }[] = [];
    for (const b of batches)
      out.push({ batchId: b.id, moments: await rows<MomentRow>(this.ds, `SELECT ${COLUMNS} FROM moments m WHERE m.attest_batch = $1 ORDER BY m.created_at, m.id`, [b.id]) });
    return out;
  }

  async markEnqueued(batchId: string): Promise<void> {
    await exec(this.ds, `UPDATE moment_attestations SET enqueued_at = now() WHERE id = $1`, [batchId]);
  }

  // ------------------------------------------------------------ feed

  async setFeedSecret(venueId: string, secretEnc: string, by: string): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO feed_secrets (venue_id, secret_enc, created_by) VALUES ($1, $2, $3)
       ON CONFLICT (venue_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, created_by = EXCLUDED.created_by, created_at = now()`,
      [venueId, secretEnc, by],
    );
  }

  async feedSecret(venueId: string): Promise<string | undefined> {
    return (await row<{ secretEnc: string }>(this.ds, `SELECT secret_enc AS "secretEnc" FROM feed_secrets WHERE venue_id = $1`, [venueId]))?.secretEnc;
  }

  /** Records a feed message's signature; false if it was seen before (a replay). */
  async receipt(tx: EntityManager, venueId: string, signature: string): Promise<boolean> {
    const kept = await exec<{ signature: string }>(tx, `INSERT INTO feed_receipts (venue_id, signature) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING signature`, [
      venueId,
      signature,
    ]);
    return kept.length === 1;
  }
}
