import { Module } from '@nestjs/common';

@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class MomentsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [];
}
