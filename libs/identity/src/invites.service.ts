import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { Principal } from '@fanmesh/common';
import type { AcceptedInviteView, CreatedInviteView, InviteLookupView, InviteRole, InviteView, OperatorInviteView } from '@fanmesh/protocol';
import { IdentityError } from './identity.error';
import { InviteRepository, InviteRow } from './invite.repository';

const DEFAULT_TTL_HOURS = 72;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const isForeignKeyViolation = (err: unknown) => (err as { code?: string })?.code === '23503';

/** The request came from this machine (after the proxies Express trusts have been peeled off). */
export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
  return v4 === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

function toView(i: InviteRow): InviteView {
  return {
    id: i.id,
    venueId: i.venueId,
    role: i.role,
    label: i.label,
    status: i.status,
    createdBy: i.createdBy,
    createdAt: new Date(i.createdAt).toISOString(),
    expiresAt: new Date(i.expiresAt).toISOString(),
    acceptedBy: i.acceptedBy,
    acceptedAt: i.acceptedAt ? new Date(i.acceptedAt).toISOString() : null,
  };
}

/**
 * Invites by link. An admin invites someone to be staff or a steward at a venue; the link carries a
 * one-time token (only its hash is kept) that expires; the invitee opens it in the PWA, signed in
 * with the key on their phone, and accepting grants the role there. Opening a taken link again
 * says who took it and changes nothing.
 *
 * And the operator's first-run invite: outside production with no ADMIN_ADDRESS, the data
 * folder's key is the admin (what `npm run sim` signs in with), and the first account to open the
 * console on the machine itself becomes admin too, once, so the operator needs no script.
 */
@Injectable()
export class InvitesService {
  private readonly logger = new Logger(InvitesService.name);

  constructor(
    private readonly repo: InviteRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(venueId: string, dto: { role: InviteRole; label?: string; ttlHours?: number }, by: Principal): Promise<CreatedInviteView> {
    const token = `fmiv_${randomBytes(32).toString('base64url')}`;
    let invite: InviteRow;
    try {
      invite = await this.repo.create({
        venueId,
        role: dto.role,
        label: dto.label?.trim() || null,
        tokenHash: sha256(token),
        createdBy: by.subject,
        ttlSeconds: (dto.ttlHours ?? DEFAULT_TTL_HOURS) * 3600,
      });
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new IdentityError('venue_not_found', `No venue ${venueId}.`);
      throw err;
    }
    this.logger.log({ inviteId: invite.id, venueId, role: dto.role, by: by.subject }, 'invite created');
    return { ...toView(invite), token, path: `/venue/join#${token}` };
  }

  async list(venueId: string): Promise<InviteView[]> {
    return (await this.repo.listAtVenue(venueId)).map(toView);
  }

  async revoke(venueId: string, id: string, by: Principal): Promise<void> {
    if (await this.repo.revoke(venueId, id)) {
      this.logger.log({ inviteId: id, venueId, by: by.subject }, 'invite revoked');
      return;
    }
    const invite = await this.repo.findAtVenue(venueId, id);
    if (!invite) throw new IdentityError('invite_not_found', 'This venue has no such invite.');
    if (invite.status === 'accepted') {
      throw new IdentityError('invite_used', `${invite.acceptedBy} already accepted this invite; revoke their ${invite.role} role instead.`, { acceptedBy: invite.acceptedBy });
    }
    throw new IdentityError(invite.status === 'expired' ? 'invite_expired' : 'invite_revoked', `This invite is already ${invite.status}.`);
  }

  /** What a link offers, for the invitee to read before accepting. */
  async lookup(token: string): Promise<InviteLookupView> {
    const invite = await this.repo.findByTokenHash(sha256(token));
    if (!invite) throw new IdentityError('invite_not_found', 'This invite link is not one of ours: check that the whole link was copied.');
    return { venueId: invite.venueId, role: invite.role, status: invite.status, expiresAt: new Date(invite.expiresAt).toISOString(), acceptedBy: invite.acceptedBy };
  }

  async accept(token: string, who: Principal): Promise<AcceptedInviteView> {
    const address = who.subject.toLowerCase();
    const result = await this.repo.accept(sha256(token), address);
    if (result.outcome === 'unknown') throw new IdentityError('invite_not_found', 'This invite link is not one of ours: check that the whole link was copied.');
    const { invite } = result;
    if (result.outcome === 'accepted' || invite.acceptedBy === address) {
      if (result.outcome === 'accepted') this.logger.log({ inviteId: invite.id, venueId: invite.venueId, role: invite.role, address }, 'invite accepted');
      return { venueId: invite.venueId, role: invite.role, address, alreadyAccepted: result.outcome !== 'accepted' };
    }
    switch (invite.status) {
      case 'accepted':
        throw new IdentityError('invite_used', `This invite was already accepted by ${invite.acceptedBy}; ask the venue for a new link.`, { acceptedBy: invite.acceptedBy });
      case 'revoked':
        throw new IdentityError('invite_revoked', 'The venue withdrew this invite; ask them for a new link.');
      default:
        throw new IdentityError('invite_expired', `This invite expired at ${new Date(invite.expiresAt).toISOString()}; ask the venue for a new link.`, {
          expiresAt: new Date(invite.expiresAt).toISOString(),
        });
    }
  }

  async operatorInvite(): Promise<OperatorInviteView> {
    const closed = this.operatorClosedBecause();
    if (closed) return { open: false, reason: closed };
    return (await this.repo.operator()) ? { open: false, reason: 'claimed' } : { open: true, reason: null };
  }

  /** The operator's first-run invite, taken from this machine; the account that took it may ask again. */
  async acceptOperator(who: Principal, ip: string | undefined): Promise<{ address: string; alreadyAccepted: boolean }> {
    const closed = this.operatorClosedBecause();
    if (closed === 'production') throw new IdentityError('operator_invite_closed', 'In production the admin is ADMIN_ADDRESS; there is no first-run invite.');
    if (closed === 'admin_address') {
      throw new IdentityError(
        'operator_invite_closed',
        `ADMIN_ADDRESS names this FanMesh's admin (${this.config.adminAddress}). To make this account the admin, set ADMIN_ADDRESS=${who.subject} and restart.`,
      );
    }
    const address = who.subject.toLowerCase();
    const taken = await this.repo.operator();
    if (taken === address) return { address, alreadyAccepted: true };
    if (taken) throw new IdentityError('operator_invite_used', 'Another account already took the first-run invite; ask that admin to invite you.');
    if (!isLoopback(ip)) {
      throw new IdentityError(
        'operator_not_local',
        'The first-run invite is taken from the machine FanMesh runs on: open the console there (localhost), or ask an admin to invite you.',
      );
    }
    const result = await this.repo.acceptOperator(address);
    if (!result.taken && result.by !== address)
      throw new IdentityError('operator_invite_used', 'Another account took the first-run invite a moment ago; ask that admin to invite you.');
    if (result.taken) this.logger.log({ address }, 'the operator took the first-run invite: admin');
    return { address, alreadyAccepted: !result.taken };
  }

  private operatorClosedBecause(): 'production' | 'admin_address' | null {
    if (this.config.env === 'production') return 'production';
    if (this.config.adminAddress) return 'admin_address';
    return null;
  }
}
