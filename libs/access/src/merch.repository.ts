import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec, row, rows } from '@fanmesh/db';
import type { MerchVerdict } from '@fanmesh/protocol';

/** A registered item with its issuer's venue. */
export interface MerchItemRow {
  serial: string;
  sku: string;
  owner: string | null;
  issuer: string;
  flaggedAt: Date | null;
  venueId: string;
}

/** Every query on merch issuers, items and verifications. */
@Injectable()
export class MerchRepository {
  constructor(private readonly ds: DataSource) {}

  async upsertIssuer(address: string, venueId: string, name: string): Promise<void> {
    await this.ds.query(`INSERT INTO merch_issuers (address, venue_id, name) VALUES ($1, $2, $3) ON CONFLICT (address) DO UPDATE SET name = $3`, [address, venueId, name]);
  }

  /** Every issuer address with its venue. */
  async issuers(): Promise<Map<string, string>> {
    const found = await rows<{ address: string; venueId: string }>(this.ds, `SELECT address, venue_id AS "venueId" FROM merch_issuers`);
    return new Map(found.map((r) => [r.address, r.venueId]));
  }

  /** All the items in one statement (a duplicate serial fails the whole insert). */
  async insertItems(items: { serial: string; sku: string; issuer: string; signature: string }[]): Promise<void> {
    await this.ds.query(`INSERT INTO merch_items (serial, sku, issuer, signature) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`, [
      items.map((r) => r.serial),
      items.map((r) => r.sku),
      items.map((r) => r.issuer),
      items.map((r) => r.signature),
    ]);
  }

  /** The item with this serial (and this SKU, when given). */
  async findItem(serial: string, sku?: string): Promise<MerchItemRow | undefined> {
    return row<MerchItemRow>(
      this.ds,
      `SELECT m.serial, m.sku, m.owner, m.issuer, m.flagged_at AS "flaggedAt", i.venue_id AS "venueId"
       FROM merch_items m JOIN merch_issuers i ON i.address = m.issuer WHERE m.serial = $1 AND ($2::text IS NULL OR m.sku = $2)`,
      [serial, sku ?? null],
    );
  }

  /** The latest non-counterfeit verification of the serial at a known place other than `place` within the window. */
  async recentElsewhere(serial: string, place: string, windowMs: number): Promise<{ place: string; at: Date } | undefined> {
    return row<{ place: string; at: Date }>(
      this.ds,
      `SELECT place, at FROM merch_verifications WHERE serial = $1 AND place <> $2 AND verdict <> 'counterfeit' AND at > now() - ($3::int * interval '1 millisecond') ORDER BY at DESC LIMIT 1`,
      [serial, place, windowMs],
    );
  }

  /** Makes `owner` the item's owner if it has none yet; false when someone owns it already. */
  async claim(serial: string, owner: string): Promise<boolean> {
    const claimed = await exec<{ serial: string }>(this.ds, `UPDATE merch_items SET owner = $2, claimed_at = now() WHERE serial = $1 AND owner IS NULL RETURNING serial`, [
      serial,
      owner,
    ]);
    return claimed.length === 1;
  }

  /** `place` is null for a verifier the server cannot place (a fan): such a row is never clone evidence. */
  async recordVerification(serial: string, verifier: string, place: string | null, verdict: MerchVerdict): Promise<void> {
    await this.ds.query(`INSERT INTO merch_verifications (serial, verifier, place, verdict) VALUES ($1, $2, $3, $4)`, [serial, verifier, place, verdict]);
  }

  /** Flags the serial as a likely clone; false when it was flagged already. */
  async flag(serial: string): Promise<boolean> {
    const flagged = await exec<{ serial: string }>(this.ds, `UPDATE merch_items SET flagged_at = now() WHERE serial = $1 AND flagged_at IS NULL RETURNING serial`, [serial]);
    return flagged.length > 0;
  }
}
