import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG } from '@fanmesh/config';
import { AccessAudit } from './access.audit';
import { AccessGuard } from './access.guard';
import { TokenService } from './token.service';
import { AuthController, RolesController, SponsorsController } from './identity.controller';
import { IdentityRepository } from './identity.repository';
import { IdentityService } from './identity.service';
import { InviteRepository } from './invite.repository';
import { InvitesController } from './invites.controller';
import { InvitesService } from './invites.service';
import { Identity1764000000100 } from './migrations/1764000000100-identity';
import { SessionRevocation1765000000100 } from './migrations/1765000000100-session-revocation';
import { RoleInvites1766700000100 } from './migrations/1766700000100-role-invites';
import { createRateLimitStore, RATE_LIMIT_STORE, RateLimiter, RateLimitGuard, RateLimitStoreCloser } from './rate-limit';
import { Revocations } from './revocations';
import { IdentityPersonalDataRepository } from './personal-data.repository';

@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [AuthController, RolesController, SponsorsController, InvitesController],
  providers: [
    AccessAudit,
    Revocations,
    TokenService,
    IdentityRepository,
    IdentityService,
    InviteRepository,
    InvitesService,
    IdentityPersonalDataRepository,
    { provide: RATE_LIMIT_STORE, inject: [APP_CONFIG], useFactory: createRateLimitStore },
    RateLimitStoreCloser,
    RateLimiter,
    // In this order: the rate limit guard keys 'principal' limits on who the access guard found.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [TokenService, AccessAudit, IdentityService, Revocations, RateLimiter],
})
export class IdentityModule {
  static readonly entities = [];
  static readonly migrations = [Identity1764000000100, SessionRevocation1765000000100, RoleInvites1766700000100];
}
