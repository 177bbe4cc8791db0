import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { VenuesModule } from '@fanmesh/venues';
import { PollsController } from './polls.controller';
import { PollRepository } from './poll.repository';
import { PollsService } from './polls.service';
import { TokenSnapshot } from './token-snapshot';
import { Polls1764000001000 } from './migrations/1764000001000-polls';

@Module({
  imports: [AccessModule, VenuesModule],
  controllers: [PollsController],
  providers: [PollRepository, PollsService, TokenSnapshot],
  exports: [PollsService],
})
export class PollsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Polls1764000001000];
}
