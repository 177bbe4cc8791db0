import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { computeAddress, getAddress, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { localSecret, Principal } from '@fanmesh/common';
import { recoverPersonalSigner } from '@fanmesh/crypto';
import type { SponsorView } from '@fanmesh/protocol';
import { IdentityError } from './identity.error';
import { GrantRow, IdentityRepository } from './identity.repository';
import { Revocations } from './revocations';
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

/** Hosts that are this machine: without PUBLIC_ORIGIN (development, tests) only these may be named. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function originOf(uri: string): URL | undefined {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Sign-in with Ethereum, refresh-token rotation, role grants and sponsor API keys. */
@Injectable()
export class IdentityService {
  private readonly logger = new Logger(IdentityService.name);
  private readonly adminAddress?: string;

  constructor(
    private readonly repo: IdentityRepository,
    private readonly tokens: TokenService,
    private readonly revocations: Revocations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Outside production with no ADMIN_ADDRESS, the machine's operator is the first admin: a key kept
    // in the data folder (what `npm run sim` signs in with). Production names its admin explicitly.
    this.adminAddress =
      config.adminAddress ??
      (config.env === 'production' ? undefined : computeAddress(localSecret(config.dataDir, 'admin-key', () => Wallet.createRandom().privateKey)).toLowerCase());
  }

  /** The admin the operator signs in as: ADMIN_ADDRESS, or outside production the data folder's key. */
  get operatorAdmin(): string | undefined {
    return this.adminAddress;
  }

  async issueNonce(): Promise<{ nonce: string; expiresAt: string; statement: string; chainId: number }> {
    const nonce = randomBytes(16).toString('hex'); // EIP-4361: at least 8 alphanumerics
    const expiresAt = new Date(Date.now() + NONCE_TTL_MS);
    await this.repo.createNonce(nonce, expiresAt);
    return { nonce, expiresAt: expiresAt.toISOString(), statement: SIWE_STATEMENT, chainId: this.config.auth.chainId };
  }

  /**
   * Verifies an EIP-4361 message and its EIP-191 signature. The message's domain, URI and chain id
   * must be this deployment's: PUBLIC_ORIGIN and the configured chain. Never the request's Host
   * header, which whoever relays a message sets: a message a fan signed on a phishing site, relayed
   * with that site's Host, would otherwise open a session here. Without PUBLIC_ORIGIN (development
   * and tests only; production requires it) the origin must be this machine's: localhost,
   * 127.0.0.1 or [::1] on any port (the API itself, or the Vite dev server in front of it).
   */
  async signIn(message: string, signature: string): Promise<Session> {
    let siwe: SiweMessage;
    try {
      siwe = new SiweMessage(message);
    } catch (err) {
      throw new IdentityError('malformed_siwe_message', `The sign-in message is not a valid EIP-4361 message: ${String((err as Error).message ?? err).slice(0, 200)}`);
    }
    this.checkAudience(siwe);
    const now = Date.now();
    if (siwe.expirationTime && Date.parse(siwe.expirationTime) <= now) throw new IdentityError('message_expired', 'The sign-in message has expired; request a new nonce.');
    if (siwe.notBefore && Date.parse(siwe.notBefore) > now) throw new IdentityError('message_expired', 'The sign-in message is not valid yet.');
    let signer: string;
    try {
      // libsecp256k1 through libs/crypto: ethers' pure-JS recovery was 3.7% of the API's CPU in a 60,000-fan match
      signer = recoverPersonalSigner(message, signature);
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
    const familyId = randomUUID();
    const next = this.nextRefreshToken();
    await this.repo.startFamily({ familyId, subject: address, tokenHash: next.hash, expiresAt: next.expiresAt });
    return this.session(address, familyId, next.token);
  }

  /** Domain, URI and chain id, against the configured origin and chain. */
  private checkAudience(siwe: SiweMessage): void {
    const origin = this.config.auth.publicOrigin;
    const uri = originOf(siwe.uri);
    if (origin) {
      const host = new URL(origin).host;
      if (siwe.domain !== host) throw new IdentityError('wrong_domain', `The message is for ${siwe.domain}, but this is ${host}.`, { expected: host });
      if (uri?.origin !== origin) throw new IdentityError('wrong_uri', `The message's URI is ${siwe.uri.slice(0, 200)}, but this is ${origin}.`, { expected: origin });
    } else {
      const host = originOf(`http://${siwe.domain}`)?.hostname;
      if (!host || !LOOPBACK_HOSTS.has(host) || originOf(`http://${siwe.domain}`)?.host !== siwe.domain) {
        throw new IdentityError(
          'wrong_domain',
          `The message is for ${siwe.domain}, but without PUBLIC_ORIGIN this server only signs in localhost, 127.0.0.1 or [::1]. Set PUBLIC_ORIGIN to the origin fans open.`,
        );
      }
      if (uri?.host !== siwe.domain) throw new IdentityError('wrong_uri', `The message's URI is ${siwe.uri.slice(0, 200)}, not on ${siwe.domain}.`);
    }
    if (siwe.chainId !== this.config.auth.chainId) {
      throw new IdentityError('wrong_chain', `The message is for chain ${siwe.chainId}, but this deployment signs in on chain ${this.config.auth.chainId}.`, {
        expected: this.config.auth.chainId,
      });
    }
  }

  async refresh(refreshToken: string): Promise<Session> {
    const next = this.nextRefreshToken();
    const rotated = await this.repo.rotateRefreshToken(sha256(refreshToken), { tokenHash: next.hash, expiresAt: next.expiresAt });
    if (rotated === 'invalid') throw new IdentityError('refresh_token_invalid', 'The refresh token is unknown, expired or revoked; sign in again.');
    if ('reused' in rotated) {
      this.revocations.record(rotated.reused);
      this.logger.warn('a rotated refresh token was presented again; its whole family is revoked');
      throw new IdentityError('refresh_token_reused', 'This refresh token was already used; every session from it is now signed out. Sign in again.');
    }
    return this.session(rotated.subject, rotated.familyId, next.token);
  }

  async signOut(refreshToken: string): Promise<void> {
    this.revocations.record(await this.repo.revokeFamilyOf(sha256(refreshToken)));
  }

  /** Roles are read fresh at every sign-in and refresh; tokens made before a grant was revoked lose the role within seconds (Revocations). */
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

  /** Ends a grant; tokens carrying the role lose it within seconds, and sockets listening with it are closed. */
  async revoke(address: string, role: string, venueId: string | null, by: Principal): Promise<void> {
    const revoked = await this.repo.revokeGrant(address.toLowerCase(), role, venueId);
    if (!revoked.length) throw new IdentityError('grant_not_found', `${address} holds no active ${role} role here.`);
    this.revocations.record(revoked);
    this.logger.log({ address, role, venueId, by: by.subject }, 'role revoked');
  }

  grantsAtVenue(venueId: string): Promise<GrantRow[]> {
    return this.repo.grantsAtVenue(venueId);
  }

  async createSponsor(venueId: string, name: string) {
    try {
      return await this.repo.createSponsor(venueId, name);
    } catch (err) {
      if ((err as { code?: string })?.code === '23503') throw new IdentityError('venue_not_found', `No venue ${venueId}.`);
      throw err;
    }
  }

  /** A venue's sponsors with their keys' prefixes and dates (a key itself is never stored). */
  async sponsorsAtVenue(venueId: string): Promise<SponsorView[]> {
    const [sponsors, keys] = await Promise.all([this.repo.sponsorsAtVenue(venueId), this.repo.sponsorKeysAtVenue(venueId)]);
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return sponsors.map((s) => ({
      id: s.id,
      venueId: s.venueId,
      name: s.name,
      createdAt: new Date(s.createdAt).toISOString(),
      keys: keys
        .filter((k) => k.sponsorId === s.id)
        .map((k) => ({ id: k.id, prefix: k.prefix, createdAt: new Date(k.createdAt).toISOString(), lastUsedAt: iso(k.lastUsedAt), revokedAt: iso(k.revokedAt) })),
    }));
  }

  /** A new API key for a sponsor. Only its hash is stored: the caller sees the key this once. */
  async createSponsorKey(sponsorId: string): Promise<{ id: string; key: string; prefix: string; createdAt: string }> {
    if (!(await this.repo.findSponsor(sponsorId))) throw new IdentityError('sponsor_not_found', `No sponsor ${sponsorId}.`);
    const key = `fmsk_${randomBytes(24).toString('base64url')}`;
    const row = await this.repo.insertSponsorKey(sponsorId, sha256(key), key.slice(0, 9));
    return { id: row.id, key, prefix: row.prefix, createdAt: new Date(row.createdAt).toISOString() };
  }

  /** Ends a key at once, and with it every session it minted (within seconds on every instance). */
  async revokeSponsorKey(sponsorId: string, keyId: string): Promise<void> {
    const revoked = await this.repo.revokeSponsorKey(sponsorId, keyId);
    if (!revoked.length) throw new IdentityError('sponsor_key_not_found', 'This sponsor has no active key with that id.');
    this.revocations.record(revoked);
  }

  async authenticateSponsorKey(key: string): Promise<{ principal: Principal; keyId: string }> {
    const hit = key.startsWith('fmsk_') ? await this.repo.sponsorByKeyHash(sha256(key)) : undefined;
    if (!hit) throw new IdentityError('api_key_invalid', 'The API key is unknown or revoked.');
    return { principal: { subject: hit.sponsorId, kind: 'sponsor', roles: [`sponsor@${hit.venueId}`] }, keyId: hit.keyId };
  }

  private nextRefreshToken(): { token: string; hash: string; expiresAt: Date } {
    const token = `fmrt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: sha256(token), expiresAt: new Date(Date.now() + this.config.auth.refreshTokenTtlSeconds * 1000) };
  }

  /** The access token for a family whose refresh token is already stored; it names the family, so revoking the family ends it. */
  private async session(address: string, familyId: string, refreshToken: string): Promise<Session> {
    const principal = await this.principalFor(address);
    const access = await this.tokens.issue(principal, undefined, { familyId });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, principal };
  }
}
