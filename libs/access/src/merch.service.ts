import { Injectable, Logger } from '@nestjs/common';
import { hasRole, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { MERCH_DOMAIN, MERCH_TYPES } from '@fanmesh/protocol';
import type { MerchVerdict, MerchVerification } from '@fanmesh/protocol';
import { RealtimeService } from '@fanmesh/realtime';
import { recoverTypedSigner as recoverTypedDataSigner } from './recover';
import { AccessError } from './access.error';
import { MerchRepository } from './merch.repository';

/** Seeing one serial at two different places within this long is not plausible for one physical item. */
const CLONE_WINDOW_MS = 10 * 60_000;

export type { MerchVerdict } from '@fanmesh/protocol';

@Injectable()
export class MerchService {
  private readonly logger = new Logger(MerchService.name);

  constructor(
    private readonly repo: MerchRepository,
    private readonly realtime: RealtimeService,
  ) {}

  async addIssuer(address: string, venueId: string, name: string) {
    await this.repo.upsertIssuer(address.toLowerCase(), venueId, name);
    return { address: address.toLowerCase(), venueId, name };
  }

  /** Registers signed items; each signature must come from a registered issuer. All or nothing. */
  async register(items: { sku: string; serial: string; signature: string }[], by: Principal) {
    const issuers = await this.repo.issuers();
    const signed = items.map((i) => {
      const issuer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: i.sku, serial: i.serial }, i.signature);
      if (!issuer || !issuers.has(issuer)) throw new AccessError('merch_bad_signature', `Item ${i.serial} is not signed by a registered merch issuer.`, { serial: i.serial });
      requireVenueRole(by, ['staff'], issuers.get(issuer)!);
      return { ...i, issuer };
    });
    try {
      await this.repo.insertItems(signed);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new AccessError('merch_duplicate', 'One of these serials is already registered.');
      throw err;
    }
    return { registered: signed.length };
  }

  /**
   * Anyone with the app can check a scanned tag. The verdict says whether the issuer signed it, and
   * whether this serial was just seen somewhere else or is already flagged (a cloned tag). Where it
   * was seen is the server's knowledge, never the caller's word: the venue of the steward or staff
   * who checked it. A fan's check has no place, so it is never evidence against an item (one fan with
   * two made-up places could otherwise brand a genuine item a clone); a fan who is not the owner of a
   * claimed item is told so, without flagging it. The answer says whether the item is claimed and
   * whether it is the caller's; the owner's address only to staff of the item's venue and admins.
   */
  async verify(tag: { sku: string; serial: string; signature: string }, by: Principal): Promise<MerchVerification> {
    const place = placeOf(by);
    const item = await this.repo.findItem(tag.serial);
    const signer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: tag.sku, serial: tag.serial }, tag.signature);
    if (!item || item.sku !== tag.sku || signer !== item.issuer) {
      if (item) await this.repo.recordVerification(tag.serial, by.subject, place, 'counterfeit');
      return { verdict: 'counterfeit', reason: !item ? 'unknown_serial' : 'bad_signature' };
    }
    const recent = place ? await this.repo.recentElsewhere(tag.serial, place, CLONE_WINDOW_MS) : undefined;
    let verdict: MerchVerdict = 'authentic';
    let reason: string | undefined;
    if (item.flaggedAt) {
      verdict = 'likely_clone';
      reason = 'flagged_before';
    } else if (recent) {
      verdict = 'likely_clone';
      reason = `seen_at:${recent.place}`;
      await this.flag(tag.serial, item.venueId, `verified at ${recent.place} and ${place} within ${CLONE_WINDOW_MS / 60_000} minutes`);
    } else if (item.owner && !isVenuePersonnel(by) && item.owner.toLowerCase() !== by.subject.toLowerCase()) {
      verdict = 'likely_clone';
      reason = 'claimed_by_another';
    }
    await this.repo.recordVerification(tag.serial, by.subject, place, verdict);
    const yours = !!item.owner && item.owner.toLowerCase() === by.subject.toLowerCase();
    // Who owns an item is personal data: the caller learns whether it is claimed and whether it is
    // theirs. Only the item's venue's staff (and admins), who investigate clone flags, see the owner.
    const seesOwner = isAdmin(by) || hasRole(by, 'staff', item.venueId);
    return { verdict, reason, sku: item.sku, claimed: !!item.owner, yours, ...(seesOwner ? { owner: item.owner } : {}) };
  }

  /** The first fan holding a genuine tag becomes its owner; a second claimant reveals a clone. */
  async claim(tag: { sku: string; serial: string; signature: string }, by: Principal) {
    const signer = recoverTypedDataSigner(MERCH_DOMAIN, MERCH_TYPES, { sku: tag.sku, serial: tag.serial }, tag.signature);
    const item = await this.repo.findItem(tag.serial, tag.sku);
    if (!item || signer !== item.issuer) throw new AccessError('merch_not_found', 'This tag is not a registered FanMesh item.');
    if (await this.repo.claim(tag.serial, by.subject)) return { serial: tag.serial, owner: by.subject };
    if (item.owner === by.subject) return { serial: tag.serial, owner: by.subject };
    await this.flag(tag.serial, item.venueId, 'claimed by a second fan');
    throw new AccessError('merch_claimed', 'Another fan already owns this item; the serial is flagged as a likely clone.');
  }

  private async flag(serial: string, venueId: string, why: string): Promise<void> {
    if (await this.repo.flag(serial)) {
      this.logger.warn({ serial, why }, 'merch serial flagged as a likely clone');
      await this.realtime
        .publish(`staff:${venueId}`, { type: 'merch.clone_suspected', serial, why })
        .catch((err: unknown) => this.logger.warn({ serial, err: (err as Error).message }, 'clone alert not sent')); // the flag is stored; the alert is live only
    }
  }
}

/** Stewards, staff and admins check other people's items; ownership says nothing about their scan. */
const isVenuePersonnel = (by: Principal) => isAdmin(by) || hasRole(by, 'steward') || hasRole(by, 'staff');

/** The venue a verification happened at, from the verifier's one venue binding (steward or staff); null when there is none, or several. */
function placeOf(by: Principal): string | null {
  const venues = new Set(by.roles.filter((r) => r.startsWith('steward@') || r.startsWith('staff@')).map((r) => r.slice(r.indexOf('@') + 1)));
  return venues.size === 1 ? `venue:${[...venues][0]}` : null;
}
