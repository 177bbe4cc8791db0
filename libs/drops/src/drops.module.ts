import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { CoverageModule } from '@fanmesh/coverage';
import { MomentsModule } from '@fanmesh/moments';
import { VenuesModule } from '@fanmesh/venues';
import { DropsController } from './drops.controller';
import { DropRepository } from './drop.repository';
import { DropsService } from './drops.service';
import { Drops1764000000900 } from './migrations/1764000000900-drops';
import { FiringAudienceAt1764000000901 } from './migrations/1764000000901-firing-audience-at';
import { AudienceWitnessed1764000000902 } from './migrations/1764000000902-audience-witnessed';

@Module({
  imports: [AccessModule, VenuesModule, MomentsModule, CoverageModule],
  controllers: [DropsController],
  providers: [DropRepository, DropsService],
  exports: [DropsService],
})
export class DropsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Drops1764000000900, FiringAudienceAt1764000000901, AudienceWitnessed1764000000902];
}
