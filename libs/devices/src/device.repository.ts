import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface DeviceRow {
  address: string;
  publicKey: string;
  kind: 'hotspot' | 'sensor' | 'gate';
  owner: string;
  venueId: string;
  sectionCode: string;
  lastSeq: string;
  lastSeenAt: Date | null;
  lastHeartbeat: Record<string, unknown> | null;
  pairedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  denylisted: string | null;
}

const COLUMNS = `d.address, d.public_key AS "publicKey", d.kind, d.owner, d.venue_id AS "venueId", d.section_code AS "sectionCode",
  d.last_seq AS "lastSeq", d.last_seen_at AS "lastSeenAt", d.last_heartbeat AS "lastHeartbeat", d.paired_at AS "pairedAt",
  d.revoked_at AS "revokedAt", d.revoked_reason AS "revokedReason",
  (SELECT l.reason FROM denylist l WHERE l.lifted_at IS NULL AND ((l.subject_type = 'device' AND l.subject = d.address) OR (l.subject_type = 'owner' AND l.subject = d.owner)) LIMIT 1) AS denylisted`;

@Injectable()
export class DeviceRepository {
  constructor(private readonly ds: DataSource) {}

  /** Pairs a device and burns its offer in one transaction: a reused offer or a paired device fails whole. */
  async pair(d: { address: string; publicKey: string; kind: string; owner: string; venueId: string; sectionCode: string; nonce: string }): Promise<'ok' | 'offer_used' | 'device_paired'> {
    return this.ds.transaction(async (m) => {
      const offer = await m.query(`INSERT INTO pairing_offers (nonce, device) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING nonce`, [d.nonce, d.address]);
      if (offer.length === 0) return 'offer_used';
      const row = await m.query(
        `INSERT INTO devices (address, public_key, kind, owner, venue_id, section_code) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address) DO NOTHING RETURNING address`,
        [d.address, d.publicKey, d.kind, d.owner, d.venueId, d.sectionCode],
      );
      if (row.length === 0) throw new PairedAlready();
      return 'ok';
    }).catch((err) => {
      if (err instanceof PairedAlready) return 'device_paired' as const;
      throw err;
    });
  }

  async find(address: string): Promise<DeviceRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${COLUMNS} FROM devices d WHERE d.address = $1`, [address]);
    return row;
  }

  async list(filter: { owner?: string; venueIds?: string[] }): Promise<DeviceRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM devices d WHERE ($1::text IS NULL OR d.owner = $1) AND ($2::uuid[] IS NULL OR d.venue_id = ANY($2)) ORDER BY d.paired_at LIMIT 2000`,
      [filter.owner ?? null, filter.venueIds ?? null],
    );
  }

  /** Moves the device's sequence forward; false when `seq` is not above the last accepted one (a replay). */
  async advance(address: string, seq: number, heartbeat: Record<string, unknown> | null, tx: EntityManager = this.ds.manager): Promise<boolean> {
    const [rows] = await tx.query(
      `UPDATE devices SET last_seq = $2, last_seen_at = now(), last_heartbeat = COALESCE($3::jsonb, last_heartbeat)
       WHERE address = $1 AND last_seq < $2 AND revoked_at IS NULL RETURNING address`,
      [address, seq, heartbeat ? JSON.stringify(heartbeat) : null],
    );
    return rows.length === 1;
  }

  /** Every heartbeat is kept: uptime per epoch is counted from them, not from what a device claims. */
  async logHeartbeat(tx: EntityManager, address: string, body: Record<string, unknown>): Promise<void> {
    await tx.query(`INSERT INTO device_heartbeats (device, body) VALUES ($1, $2)`, [address, JSON.stringify(body)]);
  }

  async revoke(address: string, reason: string): Promise<boolean> {
    const [rows] = await this.ds.query(`UPDATE devices SET revoked_at = now(), revoked_reason = $2 WHERE address = $1 AND revoked_at IS NULL RETURNING address`, [address, reason]);
    return rows.length === 1;
  }

  async denylist(type: 'device' | 'owner', subject: string, reason: string, by: string): Promise<void> {
    await this.ds.query(`INSERT INTO denylist (subject_type, subject, reason, listed_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [type, subject, reason, by]);
  }
}

class PairedAlready extends Error {}

export interface HeartbeatSummary {
  device: string;
  /** Heartbeats in the window. */
  count: number;
  /** Distinct `bucketS`-second buckets of the window holding at least one heartbeat. */
  buckets: number;
  /** Medians of what the device reported (null when it never reported the field). */
  clients: number | null;
  throughputKbps: number | null;
}

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

const APPEAL_COLUMNS = `a.id, a.device, a.venue_id AS "venueId", a.owner, a.denylist_id AS "denylistId", l.reason AS "denylistReason", a.message, a.status,
  a.filed_at AS "filedAt", a.decided_by AS "decidedBy", a.decided_at AS "decidedAt", a.decision_note AS "decisionNote"`;

/** Heartbeats (uptime, reported quality) and the denylist appeals owners file and staff decide. */
@Injectable()
export class DeviceLogRepository {
  constructor(private readonly ds: DataSource) {}

  async heartbeatSummary(devices: string[], from: Date, to: Date, bucketS: number): Promise<HeartbeatSummary[]> {
    if (!devices.length) return [];
    return this.ds.query(
      `SELECT device, count(*)::int AS count,
              count(DISTINCT floor(extract(epoch FROM at - $2::timestamptz) / $4))::int AS buckets,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY (body->>'clients')::numeric) FILTER (WHERE jsonb_typeof(body->'clients') = 'number'))::float8 AS clients,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY (body->>'throughputKbps')::numeric) FILTER (WHERE jsonb_typeof(body->'throughputKbps') = 'number'))::float8 AS "throughputKbps"
       FROM device_heartbeats WHERE device = ANY($1) AND at >= $2 AND at < $3 GROUP BY device`,
      [devices, from, to, bucketS],
    );
  }

  /** The active denylist entry that stops this device (its own, else its owner's). */
  async activeDenylisting(device: string, owner: string): Promise<{ id: string; reason: string; subjectType: 'device' | 'owner' } | undefined> {
    const [row] = await this.ds.query(
      `SELECT id, reason, subject_type AS "subjectType" FROM denylist
       WHERE lifted_at IS NULL AND ((subject_type = 'device' AND subject = $1) OR (subject_type = 'owner' AND subject = $2))
       ORDER BY subject_type = 'device' DESC, listed_at LIMIT 1`,
      [device, owner],
    );
    return row;
  }

  /** Files an appeal; undefined when one is already open for this device (one at a time, across instances). */
  async fileAppeal(a: { device: string; venueId: string; owner: string; denylistId: string; message: string }): Promise<AppealRow | undefined> {
    const [row] = await this.ds.query(
      `INSERT INTO device_appeals (device, venue_id, owner, denylist_id, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
      [a.device, a.venueId, a.owner, a.denylistId, a.message],
    );
    return row ? this.appeal(row.id) : undefined;
  }

  async appeal(id: string): Promise<AppealRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${APPEAL_COLUMNS} FROM device_appeals a JOIN denylist l ON l.id = a.denylist_id WHERE a.id = $1`, [id]);
    return row;
  }

  async appeals(filter: { venueIds?: string[]; device?: string; status?: string }): Promise<AppealRow[]> {
    return this.ds.query(
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
      const [rows] = await m.query(
        `UPDATE device_appeals SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4 WHERE id = $1 AND status = 'open' RETURNING denylist_id`,
        [id, decision, by, note],
      );
      if (rows.length === 0) return false;
      if (decision === 'accepted') await m.query(`UPDATE denylist SET lifted_at = now() WHERE id = $1 AND lifted_at IS NULL`, [rows[0].denylist_id]);
      return true;
    });
  }
}
