import { Module } from '@nestjs/common';

@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class PollsModule {
  static readonly entities = [];
  static readonly migrations = [];
}
