import { Module } from '@nestjs/common';

@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class SensingModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [];
}
