import { Module } from '@nestjs/common';
import { PollsController } from './polls.controller';
import { PollRepository } from './poll.repository';
import { PollsPersonalDataRepository } from './personal-data.repository';
import { PollScheduleService } from './poll-schedule.service';
import { PollViews } from './poll-views.service';
import { PollVotingService } from './poll-voting.service';
import { PollsService } from './polls.service';
import { TokenSnapshot } from './token-snapshot';
import { Polls1764000001000 } from './migrations/1764000001000-polls';

/**
 * Fan polls. Imports kernels only: whether a fan is checked in and where an event is come from the
 * access and venues contexts' directories (provided globally by them).
 */
@Module({
  controllers: [PollsController],
  providers: [PollRepository, PollsPersonalDataRepository, TokenSnapshot, PollViews, PollScheduleService, PollVotingService, PollsService],
  exports: [PollsService, PollVotingService, PollScheduleService],
})
export class PollsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Polls1764000001000];
}
