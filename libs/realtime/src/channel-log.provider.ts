import { Provider } from '@nestjs/common';
import { Bus, RedisBus } from './bus';
import { BUS } from './bus.module';
import { ChannelLog, MemoryChannelLog, RedisChannelLog } from './channel-log';

export { ChannelLog } from './channel-log';
export const CHANNEL_LOG = Symbol('CHANNEL_LOG');

export const channelLogProvider: Provider = {
  provide: CHANNEL_LOG,
  inject: [BUS],
  useFactory: (bus: Bus): ChannelLog => (bus instanceof RedisBus ? new RedisChannelLog(bus.pub, bus.prefix) : new MemoryChannelLog((topic, frame) => bus.publishRaw(topic, frame))),
};
