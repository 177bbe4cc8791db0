import { Module } from '@nestjs/common';
import { MomentRepository } from './moment.repository';
import { MomentsService } from './moments.service';
import { Moments1764000000650 } from './migrations/1764000000650-moments';

@Module({
  controllers: [],
  providers: [MomentRepository, MomentsService],
  exports: [MomentsService],
})
export class MomentsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Moments1764000000650];
}
