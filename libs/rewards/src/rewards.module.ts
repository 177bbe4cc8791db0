import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { VenuesModule } from '@fanmesh/venues';
import { Rewards1764000000800 } from './migrations/1764000000800-rewards';
import { EpochAccounts1764000000801 } from './migrations/1764000000801-epoch-accounts';
import { RewardsController } from './rewards.controller';
import { RewardsRepository } from './rewards.repository';
import { RewardsService } from './rewards.service';
import { SettlementService } from './settlement.service';

@Module({
  imports: [AccessModule, VenuesModule],
  controllers: [RewardsController],
  providers: [RewardsRepository, RewardsService, SettlementService],
  exports: [RewardsService, SettlementService],
})
export class RewardsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Rewards1764000000800, EpochAccounts1764000000801];
}
