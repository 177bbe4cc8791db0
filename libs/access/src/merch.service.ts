import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { recoverTypedSigner as recoverTypedDataSigner } from './recover';
import { RealtimeService } from '@fanmesh/realtime';
import { AccessError } from './access.error';

/** Merch tags carry the issuer's EIP-712 signature over SKU and serial. */
export const MERCH_DOMAIN = { name: 'FanMesh Merch', version: '1' };
export const MERCH_TYPES = { MerchItem: [{ name: 'sku', type: 'string' }, { name: 'serial', type: 'string' }] };

/** Seeing one serial at two different places within this long is not plausible for one physical item. */
const CLONE_WINDOW_MS = 10 * 60_000;

export type MerchVerdict = 'authentic' | 'counterfeit' | 'likely_clone';

@Injectable()
export class MerchService {
  private readonly logger = new Logger(MerchService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly realtime: RealtimeService,
  ) {}

  async addIssuer(address: string, venueId: string, name: string) {
    await this.ds.query(`INSERT INTO merch_issuers (address, venue_id, name) VALUES ($1, $2, $3) ON CONFLICT (address) DO UPDATE SET name = $3`, [address.toLowerCase(), venueId, name]);
    return { address: address.toLowerCase(), venueId, name };
  }

  /** Registers signed items; each signature must come from a registered issuer. All or nothing. */
  async register(items: { sku: string; serial: string; signature: string }[], by: Principal) {
    const issuers = new Map<string, string>((await this.ds.query(`SELECT address, venue_id FROM merch_issuers`)).map((r: { address: string; venue_id: string }) => [r.address, r.venue_id]));
    const rows = items.map((i) => {
      const issuer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: i.sku, serial: i.serial }, i.signature);
      if (!issuer || !issuers.has(issuer)) throw new AccessError('merch_bad_signature', `Item ${i.serial} is not signed by a registered merch issuer.`, { serial: i.serial });
      requireVenueRole(by, ['staff'], issuers.get(issuer)!);
      return { ...i, issuer };
    });
    try {
      await this.ds.query(
        `INSERT INTO merch_items (serial, sku, issuer, signature) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
        [rows.map((r) => r.serial), rows.map((r) => r.sku), rows.map((r) => r.issuer), rows.map((r) => r.signature)],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new AccessError('merch_duplicate', 'One of these serials is already registered.');
      throw err;
    }
    return { registered: rows.length };
  }

  /**
   * Anyone with the app can check a scanned tag. The verdict says whether the issuer signed it, and
   * whether this serial was just seen somewhere else or is already flagged (a cloned tag).
   */
  async verify(tag: { sku: string; serial: string; signature: string }, place: string, by: Principal): Promise<{ verdict: MerchVerdict; reason?: string; sku?: string; owner?: string | null }> {
    const [item] = await this.ds.query(
      `SELECT m.serial, m.sku, m.owner, m.issuer, m.flagged_at AS "flaggedAt", i.venue_id AS "venueId" FROM merch_items m JOIN merch_issuers i ON i.address = m.issuer WHERE m.serial = $1`,
      [tag.serial],
    );
    const signer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: tag.sku, serial: tag.serial }, tag.signature);
    if (!item || item.sku !== tag.sku || signer !== item.issuer) {
      if (item) await this.record(tag.serial, by.subject, place, 'counterfeit');
      return { verdict: 'counterfeit', reason: !item ? 'unknown_serial' : 'bad_signature' };
    }
    const [recent] = await this.ds.query(
      `SELECT place, at FROM merch_verifications WHERE serial = $1 AND place <> $2 AND verdict <> 'counterfeit' AND at > now() - ($3::int * interval '1 millisecond') ORDER BY at DESC LIMIT 1`,
      [tag.serial, place, CLONE_WINDOW_MS],
    );
    let verdict: MerchVerdict = 'authentic';
    let reason: string | undefined;
    if (item.flaggedAt) {
      verdict = 'likely_clone';
      reason = 'flagged_before';
    } else if (recent) {
      verdict = 'likely_clone';
      reason = `seen_at:${recent.place}`;
      await this.flag(tag.serial, item.venueId, `verified at ${recent.place} and ${place} within ${CLONE_WINDOW_MS / 60_000} minutes`);
    }
    await this.record(tag.serial, by.subject, place, verdict);
    return { verdict, reason, sku: item.sku, owner: item.owner };
  }

  /** The first fan holding a genuine tag becomes its owner; a second claimant reveals a clone. */
  async claim(tag: { sku: string; serial: string; signature: string }, by: Principal) {
    const signer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: tag.sku, serial: tag.serial }, tag.signature);
    const [item] = await this.ds.query(`SELECT m.owner, m.issuer, i.venue_id AS "venueId" FROM merch_items m JOIN merch_issuers i ON i.address = m.issuer WHERE m.serial = $1 AND m.sku = $2`, [tag.serial, tag.sku]);
    if (!item || signer !== item.issuer) throw new AccessError('merch_not_found', 'This tag is not a registered FanMesh item.');
    const [rows] = await this.ds.query(`UPDATE merch_items SET owner = $2, claimed_at = now() WHERE serial = $1 AND owner IS NULL RETURNING serial`, [tag.serial, by.subject]);
    if (rows.length === 1) return { serial: tag.serial, owner: by.subject };
    if (item.owner === by.subject) return { serial: tag.serial, owner: by.subject };
    await this.flag(tag.serial, item.venueId, 'claimed by a second fan');
    throw new AccessError('merch_claimed', 'Another fan already owns this item; the serial is flagged as a likely clone.');
  }

  private async record(serial: string, verifier: string, place: string, verdict: MerchVerdict): Promise<void> {
    await this.ds.query(`INSERT INTO merch_verifications (serial, verifier, place, verdict) VALUES ($1, $2, $3, $4)`, [serial, verifier, place, verdict]);
  }

  private async flag(serial: string, venueId: string, why: string): Promise<void> {
    const [rows] = await this.ds.query(`UPDATE merch_items SET flagged_at = now() WHERE serial = $1 AND flagged_at IS NULL RETURNING serial`, [serial]);
    if (rows.length) {
      this.logger.warn({ serial, why }, 'merch serial flagged as a likely clone');
      await this.realtime.publish(`staff:${venueId}`, { type: 'merch.clone_suspected', serial, why });
    }
  }
}
