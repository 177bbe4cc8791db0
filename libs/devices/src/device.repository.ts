import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, row, rows } from '@fanmesh/db';
import type { DeviceRecord, HeartbeatSummary } from '@fanmesh/directory';

/** A device row as the devices context stores it: the directory's DeviceRecord. */
export type DeviceRow = DeviceRecord;
export type { HeartbeatSummary };

const COLUMNS = `d.address, d.public_key AS "publicKey", d.kind, d.owner, d.venue_id AS "venueId", d.section_code AS "sectionCode",
  d.last_seq AS "lastSeq", d.last_seen_at AS "lastSeenAt", d.last_heartbeat AS "lastHeartbeat", d.paired_at AS "pairedAt",
  d.revoked_at AS "revokedAt", d.revoked_reason AS "revokedReason",
  (SELECT l.reason FROM denylist l WHERE l.lifted_at IS NULL AND (l.venue_id IS NULL OR l.venue_id = d.venue_id)
     AND ((l.subject_type = 'device' AND l.subject = d.address) OR (l.subject_type = 'owner' AND l.subject = d.owner)) LIMIT 1) AS denylisted`;

@Injectable()
export class DeviceRepository {
  constructor(private readonly ds: DataSource) {}

  /** Pairs a device and burns its offer in one transaction: a reused offer or a paired device fails whole. */
  async pair(d: {
    address: string;
    publicKey: string;
    kind: string;
    owner: string;
    venueId: string;
    sectionCode: string;
    nonce: string;
  }): Promise<'ok' | 'offer_used' | 'device_paired'> {
    return this.ds
      .transaction(async (m) => {
        const offer = await exec<{ nonce: string }>(m, `INSERT INTO pairing_offers (nonce, device) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING nonce`, [d.nonce, d.address]);
        if (offer.length === 0) return 'offer_used' as const;
        const paired = await exec<{ address: string }>(
          m,
          `INSERT INTO devices (address, public_key, kind, owner, venue_id, section_code) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address) DO NOTHING RETURNING address`,
          [d.address, d.publicKey, d.kind, d.owner, d.venueId, d.sectionCode],
        );
        if (paired.length === 0) throw new PairedAlready();
        return 'ok' as const;
      })
      .catch((err) => {
        if (err instanceof PairedAlready) return 'device_paired' as const;
        throw err;
      });
  }

  async find(address: string): Promise<DeviceRow | undefined> {
    return row<DeviceRow>(this.ds, `SELECT ${COLUMNS} FROM devices d WHERE d.address = $1`, [address]);
  }

  async list(filter: { owner?: string; venueIds?: string[] }): Promise<DeviceRow[]> {
    return rows<DeviceRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM devices d WHERE ($1::text IS NULL OR d.owner = $1) AND ($2::uuid[] IS NULL OR d.venue_id = ANY($2)) ORDER BY d.paired_at LIMIT 2000`,
      [filter.owner ?? null, filter.venueIds ?? null],
    );
  }

  /** Moves the device's sequence forward; false when `seq` is not above the last accepted one (a replay). */
  async advance(address: string, seq: number, heartbeat: Record<string, unknown> | null, tx: EntityManager = this.ds.manager): Promise<boolean> {
    const advanced = await exec<{ address: string }>(
      tx,
      `UPDATE devices SET last_seq = $2, last_seen_at = now(), last_heartbeat = COALESCE($3::jsonb, last_heartbeat)
       WHERE address = $1 AND last_seq < $2 AND revoked_at IS NULL RETURNING address`,
      [address, seq, heartbeat ? JSON.stringify(heartbeat) : null],
    );
    return advanced.length === 1;
  }

  /**
   * Advances the device's seq and runs `handle` in the same transaction: the handler's rows commit
   * with the new seq or not at all. `replayed` is called (and should throw) when seq does not move.
   */
  async advanceWith<T>(address: string, seq: number, heartbeat: Record<string, unknown> | null, handle: (tx: EntityManager) => Promise<T>, replayed: () => never): Promise<T> {
    return this.ds.transaction(async (tx) => {
      if (!(await this.advance(address, seq, heartbeat, tx))) replayed();
      return handle(tx);
    });
  }

  /** Every heartbeat is kept: uptime per epoch is counted from them, not from what a device claims. */
  async logHeartbeat(tx: EntityManager, address: string, body: Record<string, unknown>): Promise<void> {
    await exec(tx, `INSERT INTO device_heartbeats (device, body) VALUES ($1, $2)`, [address, JSON.stringify(body)]);
  }

  async revoke(address: string, reason: string): Promise<boolean> {
    const revoked = await exec<{ address: string }>(
      this.ds,
      `UPDATE devices SET revoked_at = now(), revoked_reason = $2 WHERE address = $1 AND revoked_at IS NULL RETURNING address`,
      [address, reason],
    );
    return revoked.length === 1;
  }

  /** An entry stops the subject's devices at `venueId` only (null: an admin's entry, at every venue). */
  async denylist(type: 'device' | 'owner', subject: string, reason: string, venueId: string | null, by: string): Promise<void> {
    await exec(this.ds, `INSERT INTO denylist (subject_type, subject, reason, venue_id, listed_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
      type,
      subject,
      reason,
      venueId,
      by,
    ]);
  }
}

class PairedAlready extends Error {}

export interface AppealRow {
  id: string;
  device: string;
  venueId: string;
  owner: string;
  denylistId: string;
  denylistReason: string;
  message: string;
  status: 'open' | 'accepted' | 'rejected';
  filedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
}

export interface DenylistingRow {
  id: string;
  reason: string;
  subjectType: 'device' | 'owner';
}

const APPEAL_COLUMNS = `a.id, a.device, a.venue_id AS "venueId", a.owner, a.denylist_id AS "denylistId", l.reason AS "denylistReason", a.message, a.status,
  a.filed_at AS "filedAt", a.decided_by AS "decidedBy", a.decided_at AS "decidedAt", a.decision_note AS "decisionNote"`;

/** Heartbeats (uptime, reported quality) and the denylist appeals owners file and staff decide. */
@Injectable()
export class DeviceLogRepository {
  constructor(private readonly ds: DataSource) {}

  async heartbeatSummary(devices: string[], from: Date, to: Date, bucketS: number): Promise<HeartbeatSummary[]> {
    if (!devices.length) return [];
    return rows<HeartbeatSummary>(
      this.ds,
      `SELECT device, count(*)::int AS count,
              count(DISTINCT floor(extract(epoch FROM at - $2::timestamptz) / $4))::int AS buckets,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY (body->>'clients')::numeric) FILTER (WHERE jsonb_typeof(body->'clients') = 'number'))::float8 AS clients,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY (body->>'throughputKbps')::numeric) FILTER (WHERE jsonb_typeof(body->'throughputKbps') = 'number'))::float8 AS "throughputKbps"
       FROM device_heartbeats WHERE device = ANY($1) AND at >= $2 AND at < $3 GROUP BY device`,
      [devices, from, to, bucketS],
    );
  }

  /** The active denylist entry that stops this device at its venue (its own, else its owner's there, else one for every venue). */
  async activeDenylisting(device: string, owner: string, venueId: string): Promise<DenylistingRow | undefined> {
    return row<DenylistingRow>(
      this.ds,
      `SELECT id, reason, subject_type AS "subjectType" FROM denylist
       WHERE lifted_at IS NULL AND (venue_id IS NULL OR venue_id = $3) AND ((subject_type = 'device' AND subject = $1) OR (subject_type = 'owner' AND subject = $2))
       ORDER BY subject_type = 'device' DESC, listed_at LIMIT 1`,
      [device, owner, venueId],
    );
  }

  /** Files an appeal; undefined when one is already open for this device (one at a time, across instances). */
  async fileAppeal(a: { device: string; venueId: string; owner: string; denylistId: string; message: string }): Promise<AppealRow | undefined> {
    const [filed] = await exec<{ id: string }>(
      this.ds,
      `INSERT INTO device_appeals (device, venue_id, owner, denylist_id, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
      [a.device, a.venueId, a.owner, a.denylistId, a.message],
    );
    return filed ? this.appeal(filed.id) : undefined;
  }

  async appeal(id: string): Promise<AppealRow | undefined> {
    return row<AppealRow>(this.ds, `SELECT ${APPEAL_COLUMNS} FROM device_appeals a JOIN denylist l ON l.id = a.denylist_id WHERE a.id = $1`, [id]);
  }

  async appeals(filter: { venueIds?: string[]; device?: string; status?: string }): Promise<AppealRow[]> {
    return rows<AppealRow>(
      this.ds,
      `SELECT ${APPEAL_COLUMNS} FROM device_appeals a JOIN denylist l ON l.id = a.denylist_id
       WHERE ($1::uuid[] IS NULL OR a.venue_id = ANY($1)) AND ($2::text IS NULL OR a.device = $2) AND ($3::text IS NULL OR a.status = $3)
       ORDER BY a.filed_at DESC LIMIT 500`,
      [filter.venueIds ?? null, filter.device ?? null, filter.status ?? null],
    );
  }

  /**
   * Decides an open appeal; accepting lifts the denylist entry it appealed, in the same transaction.
   * False when the appeal was no longer open (someone decided it first).
   */
  async decideAppeal(id: string, decision: 'accepted' | 'rejected', by: string, note: string): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const [decided] = await exec<{ denylist_id: string }>(
        m,
        `UPDATE device_appeals SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4 WHERE id = $1 AND status = 'open' RETURNING denylist_id`,
        [id, decision, by, note],
      );
      if (!decided) return false;
      if (decision === 'accepted') await exec(m, `UPDATE denylist SET lifted_at = now() WHERE id = $1 AND lifted_at IS NULL`, [decided.denylist_id]);
      return true;
    });
  }
}
