import { Inject, Injectable } from '@nestjs/common';
import type { RealtimeMessage, RealtimeMessageType } from '@fanmesh/protocol';
import { Bus } from './bus';
import { BUS } from './bus.module';
import { CHANNEL_LOG, ChannelLog } from './channel-log.provider';

/**
 * What every context uses to push live data: `realtime.publish('event:<id>', { type, ...payload })`.
 * Only messages of @fanmesh/protocol's RealtimeMessageMap go out, with their payload's type.
 */
@Injectable()
export class RealtimeService {
  constructor(
    @Inject(CHANNEL_LOG) private readonly log: ChannelLog,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  /** Numbers, keeps and broadcasts a message on a channel; resolves with its sequence number. */
  async publish<K extends RealtimeMessageType>(channel: string, data: RealtimeMessage<K>): Promise<number> {
    return (await this.log.append(channel, data)).seq;
  }

  /** One message to many channels (each numbered in its own sequence), batched: 20,000 fan channels in a few dozen Redis calls. */
  async publishToMany<K extends RealtimeMessageType>(channels: string[], data: RealtimeMessage<K>): Promise<void> {
    await this.log.appendToMany(channels, data);
  }

  get channelLog(): ChannelLog {
    return this.log;
  }

  get transport(): Bus {
    return this.bus;
  }
}
