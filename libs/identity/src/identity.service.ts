import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { computeAddress, getAddress, Wallet, verifyMessage } from 'ethers';
import { SiweMessage } from 'siwe';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { localSecret, Principal } from '@fanmesh/common';
import { IdentityError } from './identity.error';
import { GrantRow, IdentityRepository } from './identity.repository';
import { TokenService } from './token.service';

const NONCE_TTL_MS = 5 * 60_000;
export const SIWE_STATEMENT = 'Sign in to FanMesh.';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  principal: Principal;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Sign-in with Ethereum, refresh-token rotation, role grants and sponsor API keys. */
@Injectable()
export class IdentityService {
  private readonly logger = new Logger(IdentityService.name);
  private readonly adminAddress?: string;

  constructor(
    private readonly repo: IdentityRepository,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Outside production with no ADMIN_ADDRESS, the machine's operator is the first admin: a key kept
    // in the data folder (what `npm run sim` signs in with). Production names its admin explicitly.
    this.adminAddress =
      config.adminAddress ?? (config.env === 'production' ? undefined : computeAddress(localSecret(config.dataDir, 'admin-key', () => Wallet.createRandom().privateKey)).toLowerCase());
  }

  async issueNonce(): Promise<{ nonce: string; expiresAt: string; statement: string }> {
    const nonce = randomBytes(16).toString('hex'); // EIP-4361: at least 8 alphanumerics
    const expiresAt = new Date(Date.now() + NONCE_TTL_MS);
    await this.repo.createNonce(nonce, expiresAt);
    return { nonce, expiresAt: expiresAt.toISOString(), statement: SIWE_STATEMENT };
  }

  /**
   * Verifies an EIP-4361 message and its EIP-191 signature. `requestHost` is the Host the browser
   * used; the message must name it (or PUBLIC_ORIGIN's host when configured), so a message signed
   * for another site cannot be replayed here.
   */
  async signIn(message: string, signature: string, requestHost: string | undefined): Promise<Session> {
    let siwe: SiweMessage;
    try {
      siwe = new SiweMessage(message);
    } catch (err) {
      throw new IdentityError('malformed_siwe_message', `The sign-in message is not a valid EIP-4361 message: ${String((err as Error).message ?? err).slice(0, 200)}`);
    }
    const expectedHost = this.config.auth.publicOrigin ? new URL(this.config.auth.publicOrigin).host : requestHost;
    if (!expectedHost || siwe.domain !== expectedHost) {
      throw new IdentityError('wrong_domain', `The message is for ${siwe.domain}, but this is ${expectedHost ?? 'an unknown host'}.`);
    }
    const now = Date.now();
    if (siwe.expirationTime && Date.parse(siwe.expirationTime) <= now) throw new IdentityError('message_expired', 'The sign-in message has expired; request a new nonce.');
    if (siwe.notBefore && Date.parse(siwe.notBefore) > now) throw new IdentityError('message_expired', 'The sign-in message is not valid yet.');
    let signer: string;
    try {
      signer = verifyMessage(message, signature);
    } catch {
      throw new IdentityError('bad_signature', 'The signature is malformed.');
    }
    if (signer !== getAddress(siwe.address)) throw new IdentityError('bad_signature', 'The message was not signed by the address it names.');
    // Consume the nonce last: a bad signature must not burn a stranger's nonce.
    const nonce = await this.repo.consumeNonce(siwe.nonce);
    if (nonce !== 'ok') {
      throw new IdentityError(nonce === 'used' ? 'nonce_used' : nonce === 'expired' ? 'nonce_expired' : 'unknown_nonce', `The nonce is ${nonce}; request a new one.`);
    }
    const address = signer.toLowerCase();
    this.logger.log({ address }, 'signed in');
    return this.startSession(address, randomUUID());
  }

  async refresh(refreshToken: string): Promise<Session> {
    const rotated = await this.repo.rotateRefreshToken(sha256(refreshToken));
    if (rotated === 'reused') {
      this.logger.warn('a rotated refresh token was presented again; its whole family is revoked');
      throw new IdentityError('refresh_token_reused', 'This refresh token was already used; every session from it is now signed out. Sign in again.');
    }
    if (rotated === 'invalid') throw new IdentityError('refresh_token_invalid', 'The refresh token is unknown, expired or revoked; sign in again.');
    return this.startSession(rotated.subject, rotated.familyId);
  }

  async signOut(refreshToken: string): Promise<void> {
    await this.repo.revokeFamilyOf(sha256(refreshToken));
  }

  /** Roles are read fresh at every sign-in and refresh, so a revoked grant lapses within one access-token lifetime. */
  async principalFor(address: string): Promise<Principal> {
    const grants = await this.repo.activeGrants(address);
    const roles = new Set<string>(['fan']);
    if (this.adminAddress && this.adminAddress === address) roles.add('admin');
    for (const g of grants) roles.add(g.venueId ? `${g.role}@${g.venueId}` : g.role);
    return { subject: address, kind: 'account', roles: [...roles] };
  }

  async grant(address: string, role: GrantRow['role'], venueId: string | null, by: Principal): Promise<GrantRow> {
    const row = await this.repo.grant(address.toLowerCase(), role, venueId, by.subject);
    this.logger.log({ address: row.address, role, venueId, by: by.subject }, 'role granted');
    return row;
  }

  async revoke(address: string, role: string, venueId: string | null, by: Principal): Promise<void> {
    if (!(await this.repo.revokeGrant(address.toLowerCase(), role, venueId))) {
      throw new IdentityError('grant_not_found', `${address} holds no active ${role} role here.`);
    }
    this.logger.log({ address, role, venueId, by: by.subject }, 'role revoked');
  }

  grantsAtVenue(venueId: string): Promise<GrantRow[]> {
    return this.repo.grantsAtVenue(venueId);
  }

  createSponsor(venueId: string, name: string) {
    return this.repo.createSponsor(venueId, name);
  }

  /** A new API key for a sponsor. Only its hash is stored: the caller sees the key this once. */
  async createSponsorKey(sponsorId: string): Promise<{ id: string; key: string; prefix: string; createdAt: string }> {
    if (!(await this.repo.findSponsor(sponsorId))) throw new IdentityError('sponsor_not_found', `No sponsor ${sponsorId}.`);
    const key = `fmsk_${randomBytes(24).toString('base64url')}`;
    const row = await this.repo.insertSponsorKey(sponsorId, sha256(key), key.slice(0, 9));
    return { id: row.id, key, prefix: row.prefix, createdAt: new Date(row.createdAt).toISOString() };
  }

  async revokeSponsorKey(sponsorId: string, keyId: string): Promise<void> {
    if (!(await this.repo.revokeSponsorKey(sponsorId, keyId))) throw new IdentityError('sponsor_key_not_found', 'This sponsor has no active key with that id.');
  }

  async authenticateSponsorKey(key: string): Promise<Principal> {
    const hit = key.startsWith('fmsk_') ? await this.repo.sponsorByKeyHash(sha256(key)) : undefined;
    if (!hit) throw new IdentityError('api_key_invalid', 'The API key is unknown or revoked.');
    return { subject: hit.sponsorId, kind: 'sponsor', roles: [`sponsor@${hit.venueId}`] };
  }

  private async startSession(address: string, familyId: string): Promise<Session> {
    const principal = await this.principalFor(address);
    const access = await this.tokens.issue(principal);
    const refreshToken = `fmrt_${randomBytes(32).toString('base64url')}`;
    await this.repo.insertRefreshToken({
      familyId,
      subject: address,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTokenTtlSeconds * 1000),
    });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, principal };
  }
}
