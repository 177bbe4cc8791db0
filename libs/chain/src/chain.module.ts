import { Global, Module } from '@nestjs/common';
import { ChainInfoController } from './chain-info.controller';
import { ChainService } from './chain.service';
import { Chain1764000000300 } from './migrations/1764000000300-chain';
import { Outbox1764000000301 } from './migrations/1764000000301-outbox';

@Global()
@Module({ controllers: [ChainInfoController], providers: [ChainService], exports: [ChainService] })
export class ChainModule {
  static readonly entities = [];
  static readonly migrations = [Chain1764000000300, Outbox1764000000301];
}
