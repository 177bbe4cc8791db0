import { Global, Module } from '@nestjs/common';
import { RewardsDirectory } from '@fanmesh/directory';
import { ClaimsService } from './claims.service';
import { EarningsRepository } from './earnings.repository';
import { EpochFileRepository } from './epoch-file.repository';
import { EpochFilesController } from './epoch-files.controller';
import { EpochFilesService } from './epoch-files.service';
import { EpochRepository } from './epoch.repository';
import { EpochsService } from './epochs.service';
import { Rewards1764000000800 } from './migrations/1764000000800-rewards';
import { EpochAccounts1764000000801 } from './migrations/1764000000801-epoch-accounts';
import { RewardTasks1765000000800 } from './migrations/1765000000800-reward-tasks';
import { EpochFiles1767100000800 } from './migrations/1767100000800-epoch-files';
import { SeasonCaps1767600000800 } from './migrations/1767600000800-season-caps';
import { RateCeiling1767700000800 } from './migrations/1767700000800-rate-ceiling';
import { RewardRates1767500000800 } from './migrations/1767500000800-reward-rates';
import { RewardRatesRepository } from './reward-rates.repository';
import { PoolsService } from './pools.service';
import { RewardEventsService } from './reward-events.service';
import { RewardTaskRepository } from './reward-task.repository';
import { RewardTasksService } from './reward-tasks.service';
import { RewardsController } from './rewards.controller';
import { RewardsDirectoryService } from './rewards-directory.service';
import { RewardsRepository } from './rewards.repository';
import { RewardsPersonalDataRepository } from './personal-data.repository';
import { RewardsService } from './rewards.service';
import { SeasonReportRepository } from './season-report.repository';
import { SeasonReportService } from './season-report.service';
import { SettlementService } from './settlement.service';

/**
 * Rewards: the ledger (a consumer of other contexts' domain events), epochs and their manifests,
 * settlement on chain (which writes `rewards.epoch_settled`) and claims. Imports kernels only: the
 * venues, access and coverage directories it reads are provided globally by their contexts.
 * Provides RewardsDirectory (earnings per event and epoch, claim standing) to the others.
 */
@Global()
@Module({
  controllers: [RewardsController, EpochFilesController],
  providers: [
    RewardsRepository,
    RewardsPersonalDataRepository,
    EpochRepository,
    EpochFileRepository,
    EpochFilesService,
    RewardTaskRepository,
    PoolsService,
    RewardsService,
    EpochsService,
    SettlementService,
    ClaimsService,
    RewardTasksService,
    RewardEventsService,
    EarningsRepository,
    RewardRatesRepository,
    SeasonReportRepository,
    SeasonReportService,
    RewardsDirectoryService,
    { provide: RewardsDirectory, useExisting: RewardsDirectoryService },
  ],
  exports: [RewardsService, EpochsService, SettlementService, RewardsDirectory],
})
export class RewardsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [
    Rewards1764000000800,
    EpochAccounts1764000000801,
    RewardTasks1765000000800,
    EpochFiles1767100000800,
    RewardRates1767500000800,
    SeasonCaps1767600000800,
    RateCeiling1767700000800,
  ];
}
