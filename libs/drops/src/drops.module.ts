import { Module } from '@nestjs/common';
import { DropAccess } from './drop-access';
import { DropAnalyticsService } from './drop-analytics.service';
import { DropDefinitionService } from './drop-definition.service';
import { DropFiringService } from './drop-firing.service';
import { DropRedemptionService } from './drop-redemption.service';
import { DropRepository } from './drop.repository';
import { DropsPersonalDataRepository } from './personal-data.repository';
import { DropsController } from './drops.controller';
import { MomentQueueRepository } from './moment-queue.repository';
import { Drops1764000000900 } from './migrations/1764000000900-drops';
import { FiringAudienceAt1764000000901 } from './migrations/1764000000901-firing-audience-at';
import { AudienceWitnessed1764000000902 } from './migrations/1764000000902-audience-witnessed';
import { MomentQueueAndMoved1765000000900 } from './migrations/1765000000900-moment-queue-and-moved';

/**
 * Sponsor drops: definition and review, firing (on `moments.confirmed`, a time, or by hand),
 * redemption (a token bonus writes `drops.token_granted`) and analytics. It asks admissions,
 * coverage and venues through their directories.
 */
@Module({
  controllers: [DropsController],
  providers: [
    DropRepository,
    DropsPersonalDataRepository,
    MomentQueueRepository,
    DropAccess,
    DropDefinitionService,
    DropFiringService,
    DropRedemptionService,
    DropAnalyticsService,
  ],
  exports: [DropDefinitionService, DropFiringService, DropRedemptionService, DropAnalyticsService],
})
export class DropsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Drops1764000000900, FiringAudienceAt1764000000901, AudienceWitnessed1764000000902, MomentQueueAndMoved1765000000900];
}
