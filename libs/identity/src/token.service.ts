import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { CommonError, localSecret, Principal } from '@fanmesh/common';
import { Revocations } from './revocations';

const ISSUER = 'fanmesh';

/** What a session's access token is bound to: revoking it ends the token within seconds, not at expiry. */
export interface SessionBinding {
  /** The refresh-token family an account session belongs to. */
  familyId?: string;
  /** The sponsor API key a sponsor session was minted with. */
  keyId?: string;
}

/** A verified access token: who, when it was made and expires, and what it is bound to. */
export interface VerifiedToken extends SessionBinding {
  principal: Principal;
  issuedAtMs: number;
  expiresAtMs: number;
}

/**
 * Short-lived access tokens (HS256). The key comes from AUTH_SECRET; without it (embedded defaults
 * only) a random key is made once and kept in the data folder, so tokens survive a restart.
 *
 * A token names its refresh family (`fam`) or sponsor key (`key`); every check consults the
 * revocation log, so a signed-out family, a revoked key or a revoked role stops working at once
 * on this instance and within a second or two on the others.
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;
  private readonly ttl: number;
  /** Verified tokens, until they expire: a steward's phone sends the same token with every scan. */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly revocations: Revocations,
  ) {
    this.key = createSecretKey(Buffer.from(config.auth.secret ?? localSecret(config.dataDir, 'auth-secret')));
    this.ttl = config.auth.accessTokenTtlSeconds;
  }

  async issue(principal: Principal, ttlSeconds = this.ttl, binding: SessionBinding = {}): Promise<{ token: string; expiresAt: string }> {
    const now = Date.now();
    const exp = Math.floor(now / 1000) + ttlSeconds;
    const token = await new SignJWT({
      kind: principal.kind,
      roles: principal.roles,
      ims: now, // issued-at in ms: a role revoked in the same second as a re-grant must not strip the new token
      ...(binding.familyId ? { fam: binding.familyId } : {}),
      ...(binding.keyId ? { key: binding.keyId } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(principal.subject)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  async verify(token: string): Promise<Principal> {
    return (await this.inspect(token)).principal;
  }

  /** Verifies a token and applies what was revoked since it was made; throws `unauthenticated` with a reason. */
  async inspect(token: string): Promise<VerifiedToken> {
    let hit = this.verified.get(token);
    if (hit && hit.expiresAtMs <= Date.now()) {
      this.verified.delete(token);
      hit = undefined;
    }
    if (!hit) hit = await this.decode(token);
    return this.current(hit);
  }

  private async decode(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const kind = payload.kind === 'sponsor' || payload.kind === 'device' ? payload.kind : 'account';
      if (!payload.sub) throw new Error('no subject');
      const verified: VerifiedToken = {
        principal: { subject: payload.sub, kind, roles },
        issuedAtMs: typeof payload.ims === 'number' ? payload.ims : (payload.iat ?? 0) * 1000,
        expiresAtMs: (payload.exp ?? 0) * 1000,
        ...(typeof payload.fam === 'string' ? { familyId: payload.fam } : {}),
        ...(typeof payload.key === 'string' ? { keyId: payload.key } : {}),
      };
      if (this.verified.size >= 50_000) this.verified.clear(); // crude bound; tokens are short-lived anyway
      this.verified.set(token, verified);
      return verified;
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new CommonError(
        'unauthenticated',
        expired ? 'The access token has expired; refresh it or sign in again.' : 'The access token is not valid; sign in again.',
        expired ? { reason: 'token_expired' } : {},
      );
    }
  }

  /** The token as of now: refused when its session was revoked, without the roles revoked since it was made. */
  private current(t: VerifiedToken): VerifiedToken {
    if ((t.familyId && this.revocations.familyRevoked(t.familyId)) || (t.keyId && this.revocations.keyRevoked(t.keyId))) {
      throw new CommonError('unauthenticated', 'This session was signed out or its key revoked; sign in again.', { reason: 'session_revoked' });
    }
    const lost = this.revocations.rolesRevokedSince(t.principal.subject, t.issuedAtMs);
    if (!lost.length) return t;
    return { ...t, principal: { ...t.principal, roles: t.principal.roles.filter((r) => !lost.includes(r)) } };
  }
}
