import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { CommonError, localSecret, Principal } from '@fanmesh/common';

const ISSUER = 'fanmesh';

/**
 * Short-lived access tokens (HS256). The key comes from AUTH_SECRET; without it (embedded defaults
 * only) a random key is made once and kept in the data folder, so tokens survive a restart.
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;
  private readonly ttl: number;
  /** Verified tokens, until they expire: a steward's phone sends the same token with every scan. */
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.auth.secret ?? localSecret(config.dataDir, 'auth-secret')));
    this.ttl = config.auth.accessTokenTtlSeconds;
  }

  async issue(principal: Principal, ttlSeconds = this.ttl): Promise<{ token: string; expiresAt: string }> {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    const token = await new SignJWT({ kind: principal.kind, roles: principal.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(principal.subject)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  async verify(token: string): Promise<Principal> {
    const hit = this.verified.get(token);
    if (hit && hit.exp > Date.now()) return hit.principal;
    if (hit) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const kind = payload.kind === 'sponsor' || payload.kind === 'device' ? payload.kind : 'account';
      if (!payload.sub) throw new Error('no subject');
      const principal: Principal = { subject: payload.sub, kind, roles };
      if (this.verified.size >= 50_000) this.verified.clear(); // crude bound; tokens are short-lived anyway
      this.verified.set(token, { principal, exp: (payload.exp ?? 0) * 1000 });
      return principal;
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new CommonError('unauthenticated', expired ? 'The access token has expired; refresh it or sign in again.' : 'The access token is not valid; sign in again.', expired ? { reason: 'token_expired' } : {});
    }
  }
}
