import { Global, Module } from '@nestjs/common';
import { channelLogProvider, CHANNEL_LOG } from './channel-log.provider';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeService } from './realtime.service';

@Global()
@Module({
  providers: [channelLogProvider, RealtimeService, RealtimeGateway],
  exports: [RealtimeService, CHANNEL_LOG],
})
export class RealtimeModule {}
