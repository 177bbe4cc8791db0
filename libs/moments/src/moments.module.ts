import { Global, Module } from '@nestjs/common';
import { MomentDirectory } from '@fanmesh/directory';
import { AttestationService } from './attestation.service';
import { DetectionQueueRepository } from './detection-queue.repository';
import { FeedController } from './feed.controller';
import { MomentDecisionsService } from './moment-decisions.service';
import { MomentDetectionService } from './moment-detection.service';
import { MomentFeedService } from './moment-feed.service';
import { MomentRepository } from './moment.repository';
import { MomentsController } from './moments.controller';
import { MomentsService } from './moments.service';
import { Moments1764000000650 } from './migrations/1764000000650-moments';
import { DetectionQueue1765000000650 } from './migrations/1765000000650-detection-queue';
import { EvidenceContext1767200000650 } from './migrations/1767200000650-evidence-context';
import { SensorApprovals1767500000650 } from './migrations/1767500000650-sensor-approvals';

/**
 * Match moments: detection from sound readings (`sensing.readings_stored`), staff and official-feed
 * decisions (`moments.confirmed`), attestation on chain. Global: it provides MomentDirectory.
 */
@Global()
@Module({
  controllers: [MomentsController, FeedController],
  providers: [
    MomentRepository,
    DetectionQueueRepository,
    MomentsService,
    MomentDetectionService,
    MomentDecisionsService,
    MomentFeedService,
    AttestationService,
    { provide: MomentDirectory, useExisting: MomentsService },
  ],
  exports: [MomentsService, MomentDetectionService, MomentDecisionsService, MomentFeedService, AttestationService, MomentDirectory],
})
export class MomentsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Moments1764000000650, DetectionQueue1765000000650, EvidenceContext1767200000650, SensorApprovals1767500000650];
}
