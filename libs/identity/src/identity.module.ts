import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessAudit } from './access.audit';
import { AccessGuard } from './access.guard';
import { TokenService } from './token.service';
import { AuthController, RolesController, SponsorsController } from './identity.controller';
import { IdentityRepository } from './identity.repository';
import { IdentityService } from './identity.service';
import { Identity1764000000100 } from './migrations/1764000000100-identity';

@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [AuthController, RolesController, SponsorsController],
  providers: [AccessAudit, TokenService, IdentityRepository, IdentityService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenService, AccessAudit, IdentityService],
})
export class IdentityModule {
  static readonly entities = [];
  static readonly migrations = [Identity1764000000100];
}
