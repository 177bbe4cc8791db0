import type Redis from 'ioredis';

/** How many messages a channel keeps for replay; a client further behind is told to resync over REST. */
export const REPLAY_DEPTH = 500;
const STREAM_TTL_SECONDS = 24 * 3600;

export interface Replay {
  /** Frames after `lastSeq`, oldest first, already serialized. */
  frames: string[];
  /** False when the buffer no longer reaches back to `lastSeq + 1`. */
  complete: boolean;
  headSeq: number;
}

/**
 * Numbers each channel's messages and keeps the last REPLAY_DEPTH of them. `append` assigns the
 * sequence number, stores the serialized frame and publishes it, as one step, so every instance
 * sees a channel's frames in sequence order.
 */
export interface ChannelLog {
  append(channel: string, data: unknown): Promise<{ seq: number; frame: string }>;
  since(channel: string, lastSeq: number): Promise<Replay>;
  head(channel: string): Promise<number>;
  /** The same message appended to many channels (each numbered in its own sequence), in as few round trips as possible. */
  appendToMany(channels: string[], data: unknown): Promise<void>;
}

export const frameTopic = (channel: string) => `rt:${channel}`;

/**
 * One bus message per `appendToMany` chunk, to every instance, instead of one per channel: each
 * instance builds the frames of the channels it has sockets on and ignores the rest. The message is
 * `<at>\n<data JSON>\n<seq> <channel JSON>\n…` (JSON never holds a raw newline).
 */
export const MULTICAST_TOPIC = 'rt-multicast';

function frameOf(channelJson: string, seq: number | string, at: string, dataJson: string): string {
  return `{"type":"message","channel":${channelJson},"seq":${seq},"at":"${at}","data":${dataJson}}`;
}

/** Calls `deliver` with the channel, frame and sequence number of each of a multicast's channels that `wanted` accepts. */
export function readMulticast(raw: string, wanted: (channel: string) => boolean, deliver: (channel: string, frame: string, seq: number) => void): void {
  const atEnd = raw.indexOf('\n');
  const dataEnd = raw.indexOf('\n', atEnd + 1);
  if (atEnd < 0 || dataEnd < 0) return;
  const at = raw.slice(0, atEnd);
  const dataJson = raw.slice(atEnd + 1, dataEnd);
  for (let i = dataEnd + 1; i < raw.length;) {
    let end = raw.indexOf('\n', i);
    if (end < 0) end = raw.length;
    const space = raw.indexOf(' ', i);
    const channelJson = raw.slice(space + 1, end);
    // Channel names rarely need escaping: skip JSON.parse when there is nothing to unescape.
    const channel = channelJson.includes('\\') ? (JSON.parse(channelJson) as string) : channelJson.slice(1, -1);
    if (wanted(channel)) {
      const seq = raw.slice(i, space);
      deliver(channel, frameOf(channelJson, seq, at, dataJson), Number(seq));
    }
    i = end + 1;
  }
}

/** The frame's sequence number, read without parsing the whole frame (it is always at the same place). */
export function seqOf(frame: string): number {
  const i = frame.indexOf('"seq":');
  return i < 0 ? -1 : parseInt(frame.slice(i + 6, frame.indexOf(',', i)), 10);
}

export class MemoryChannelLog implements ChannelLog {
  private readonly channels = new Map<string, { seq: number; frames: string[] }>();

  constructor(private readonly publish: (topic: string, frame: string) => Promise<void>) {}

  async append(channel: string, data: unknown): Promise<{ seq: number; frame: string }> {
    const frame = this.keep(channel, new Date().toISOString(), JSON.stringify(data));
    await this.publish(frameTopic(channel), frame.frame);
    return frame;
  }

  private keep(channel: string, at: string, dataJson: string): { seq: number; frame: string } {
    const log = this.channels.get(channel) ?? { seq: 0, frames: [] };
    this.channels.set(channel, log);
    const seq = ++log.seq;
    const frame = frameOf(JSON.stringify(channel), seq, at, dataJson);
    log.frames.push(frame);
    if (log.frames.length > REPLAY_DEPTH) log.frames.splice(0, log.frames.length - REPLAY_DEPTH);
    return { seq, frame };
  }

  async since(channel: string, lastSeq: number): Promise<Replay> {
    const log = this.channels.get(channel);
    if (!log) return { frames: [], complete: lastSeq === 0, headSeq: 0 };
    const firstSeq = log.seq - log.frames.length + 1;
    const frames = log.frames.slice(Math.max(0, lastSeq + 1 - firstSeq));
    return { frames, complete: lastSeq + 1 >= firstSeq && lastSeq <= log.seq, headSeq: log.seq };
  }

  async head(channel: string): Promise<number> {
    return this.channels.get(channel)?.seq ?? 0;
  }

  async appendToMany(channels: string[], data: unknown): Promise<void> {
    const at = new Date().toISOString();
    const dataJson = JSON.stringify(data);
    const lines = channels.map((c) => `${this.keep(c, at, dataJson).seq} ${JSON.stringify(c)}`);
    await this.publish(MULTICAST_TOPIC, `${at}\n${dataJson}\n${lines.join('\n')}`);
  }
}

// INCR, XADD and PUBLISH in one script: atomic, so frames publish in sequence order across instances.
const APPEND = `
local seq = redis.call('INCR', KEYS[1])
local frame = '{"type":"message","channel":' .. ARGV[1] .. ',"seq":' .. seq .. ',"at":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. '}'
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'f', frame)
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], frame)
return {seq, frame}
`;

// APPEND for many channels and one message: KEYS are seq/log pairs, ARGV[6..] the channels' JSON names;
// one PUBLISH of the chunk's multicast (MULTICAST_TOPIC) to ARGV[5], in the same atomic step.
const APPEND_MANY = `
local lines = {ARGV[1], ARGV[2]}
for i = 6, #ARGV do
  local seq = redis.call('INCR', KEYS[(i - 5) * 2 - 1])
  local frame = '{"type":"message","channel":' .. ARGV[i] .. ',"seq":' .. seq .. ',"at":"' .. ARGV[1] .. '","data":' .. ARGV[2] .. '}'
  redis.call('XADD', KEYS[(i - 5) * 2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'f', frame)
  redis.call('EXPIRE', KEYS[(i - 5) * 2], ARGV[4])
  lines[#lines + 1] = seq .. ' ' .. ARGV[i]
end
redis.call('PUBLISH', ARGV[5], table.concat(lines, '\\n'))
return #ARGV - 5
`;
const APPEND_MANY_CHUNK = 500;

export class RedisChannelLog implements ChannelLog {
  /** `topicPrefix`: the bus's namespace; keys get it from the connection's keyPrefix, published topics from here. */
  constructor(
    private readonly redis: Redis,
    private readonly topicPrefix = '',
  ) {
    redis.defineCommand('fanmeshAppend', { numberOfKeys: 2, lua: APPEND });
    redis.defineCommand('fanmeshAppendMany', { lua: APPEND_MANY }); // the key count comes first in each call
  }

  async appendToMany(channels: string[], data: unknown): Promise<void> {
    const at = new Date().toISOString();
    const json = JSON.stringify(data);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < channels.length; i += APPEND_MANY_CHUNK) {
      const chunk = channels.slice(i, i + APPEND_MANY_CHUNK);
      const keys = chunk.flatMap((c) => [`rt:seq:{${c}}`, `rt:log:{${c}}`]);
      calls.push(
        (this.redis as unknown as { fanmeshAppendMany: (...a: unknown[]) => Promise<number> }).fanmeshAppendMany(
          keys.length,
          ...keys,
          at,
          json,
          REPLAY_DEPTH,
          STREAM_TTL_SECONDS,
          this.topicPrefix + MULTICAST_TOPIC,
          ...chunk.map((c) => JSON.stringify(c)),
        ),
      );
    }
    await Promise.all(calls);
  }

  async append(channel: string, data: unknown): Promise<{ seq: number; frame: string }> {
    const [seq, frame] = (await (this.redis as unknown as { fanmeshAppend: (...a: unknown[]) => Promise<[number, string]> }).fanmeshAppend(
      `rt:seq:{${channel}}`,
      `rt:log:{${channel}}`,
      JSON.stringify(channel),
      new Date().toISOString(),
      JSON.stringify(data),
      REPLAY_DEPTH,
      STREAM_TTL_SECONDS,
      this.topicPrefix + frameTopic(channel),
    )) as [number, string];
    return { seq: Number(seq), frame };
  }

  async since(channel: string, lastSeq: number): Promise<Replay> {
    const [head, entries] = await Promise.all([this.head(channel), this.redis.xrange(`rt:log:{${channel}}`, `${lastSeq + 1}-0`, '+', 'COUNT', REPLAY_DEPTH * 2)]);
    const frames = entries.map(([, fields]) => fields[1]);
    const first = entries.length ? parseInt(entries[0][0], 10) : head + 1;
    return { frames, complete: lastSeq === head || (lastSeq < head && first === lastSeq + 1), headSeq: head };
  }

  async head(channel: string): Promise<number> {
    return Number((await this.redis.get(`rt:seq:{${channel}}`)) ?? 0);
  }
}
