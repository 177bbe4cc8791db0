export * from './polls.module';
export * from './polls.service';
export * from './poll-voting.service';
export * from './poll-schedule.service';
export * from './polls.error';
export * from './ballots';
export * from './token-snapshot';
export * from './dto/poll.dto';
