import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessAudit } from './access.audit';
import { AccessGuard } from './access.guard';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [AccessAudit, TokenService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenService, AccessAudit],
})
export class IdentityModule {}
