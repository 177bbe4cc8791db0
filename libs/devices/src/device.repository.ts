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
