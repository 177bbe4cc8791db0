import { Module } from '@nestjs/common';

@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class RewardsModule {
  static readonly entities = [];
  static readonly migrations = [];
}
