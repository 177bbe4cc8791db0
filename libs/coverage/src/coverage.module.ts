import { Global, Module } from '@nestjs/common';
import { CoverageDirectory } from '@fanmesh/directory';
import { ChallengeService } from './challenge.service';
import { CoverageController } from './coverage.controller';
import { CoveragePolicyService } from './coverage-policy.service';
import { CoveragePublisher } from './coverage-publisher';
import { CoverageReportService } from './coverage-report.service';
import { CoverageRepository } from './coverage.repository';
import { CoveragePersonalDataRepository } from './personal-data.repository';
import { ScoringService } from './scoring.service';
import { WitnessService } from './witness.service';
import { Coverage1764000000500 } from './migrations/1764000000500-coverage';
import { ChallengeNetwork1767300000000 } from './migrations/1767300000000-challenge-network';

/** Proof of coverage: challenges (the `challenge.request` device message), witness verdicts, epoch scores, reports. Provides CoverageDirectory. */
@Global()
@Module({
  controllers: [CoverageController],
  providers: [
    CoverageRepository,
    CoveragePublisher,
    CoveragePolicyService,
    ChallengeService,
    WitnessService,
    ScoringService,
    CoverageReportService,
    CoveragePersonalDataRepository,
    { provide: CoverageDirectory, useExisting: ScoringService },
  ],
  exports: [ScoringService, CoverageDirectory],
})
export class CoverageModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Coverage1764000000500, ChallengeNetwork1767300000000];
}
