import { Module } from '@nestjs/common';

@Module({
  controllers: [],
  providers: [],
  exports: [],
})
export class DropsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [];
}
