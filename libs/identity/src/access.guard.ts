import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ACCESS_KEY, Audience, CommonError, DomainError, Principal, Role } from '@fanmesh/common';
import { TokenService } from './token.service';
import { IdentityService } from './identity.service';

/** How the caller proved who they are; a route may insist on one (a sponsor session is minted from the API key only). */
export type Credential = { type: 'api_key'; keyId: string } | { type: 'bearer' };
export type AuthenticatedRequest = Request & { principal?: Principal; credential?: Credential };

/** Tokens a public route treats as no token at all, so a client can always sign in again. */
const STALE_TOKEN_REASONS = new Set(['token_expired', 'session_revoked']);

/**
 * Enforces each route's `@Access(...)` declaration. A route without one is refused to everyone
 * (and the boot-time check in AccessAudit stops the app from starting with one).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly identity: IdentityService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true; // the websocket gateway authenticates its own frames
    const audience = this.reflector.getAllAndOverride<Audience[] | undefined>(ACCESS_KEY, [ctx.getHandler(), ctx.getClass()]);
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!audience) throw new CommonError('forbidden', 'This route declares no access rule, so nobody may call it.');
    if (audience.includes('public')) {
      // An expired or signed-out token must not lock a client out of signing in again: public routes
      // treat it as anonymous. A forged or malformed one is still refused, loudly.
      await this.authenticate(req).catch((err) => {
        if (!(err instanceof DomainError && STALE_TOKEN_REASONS.has(String(err.extra.reason)))) throw err;
        req.principal = undefined;
        req.credential = undefined;
      });
      return true;
    }
    const principal = await this.authenticate(req);
    if (!principal) throw new CommonError('unauthenticated', 'Sign in first: send "Authorization: Bearer <access token>".');
    const held = new Set(principal.roles.map((r) => r.split('@')[0] as Role));
    if (!audience.some((a) => held.has(a as Role))) {
      throw new CommonError('forbidden', `This needs one of the roles: ${audience.join(', ')}.`, { required: audience });
    }
    return true;
  }

  private async authenticate(req: AuthenticatedRequest): Promise<Principal | undefined> {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string') {
      const { principal, keyId } = await this.identity.authenticateSponsorKey(apiKey);
      req.principal = principal;
      req.credential = { type: 'api_key', keyId };
      return req.principal;
    }
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new CommonError('unauthenticated', 'The Authorization header must be "Bearer <access token>".');
    req.principal = await this.tokens.verify(match[1]);
    req.credential = { type: 'bearer' };
    return req.principal;
  }
}
