import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { DevicesModule } from '@fanmesh/devices';
import { SensingModule } from '@fanmesh/sensing';
import { VenuesModule } from '@fanmesh/venues';
import { AttestationService } from './attestation.service';
import { FeedController } from './feed.controller';
import { MomentRepository } from './moment.repository';
import { MomentsController } from './moments.controller';
import { MomentsService } from './moments.service';
import { Moments1764000000650 } from './migrations/1764000000650-moments';

@Module({
  imports: [SensingModule, DevicesModule, AccessModule, VenuesModule],
  controllers: [MomentsController, FeedController],
  providers: [MomentRepository, MomentsService, AttestationService],
  exports: [MomentsService, AttestationService],
})
export class MomentsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Moments1764000000650];
}
