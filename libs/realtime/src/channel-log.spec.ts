import { describe, expect, it } from 'vitest';
import { MemoryChannelLog, MULTICAST_TOPIC, readMulticast } from './channel-log';

describe('multicast frames', () => {
  it('carries each channel its own numbered frame, byte for byte the one the replay buffer keeps', async () => {
    const published: [string, string][] = [];
    const log = new MemoryChannelLog(async (topic, raw) => void published.push([topic, raw]));
    await log.append('fan:0xa', { n: 1 });
    const odd = 'fan:"quoted"\\slash';
    await log.appendToMany(['fan:0xa', 'fan:0xb', odd], { text: 'line\nbreak' });
    const [topic, raw] = published[1];
    expect(topic).toBe(MULTICAST_TOPIC);
    const got: [string, string, number][] = [];
    readMulticast(
      raw,
      (c) => c !== 'fan:0xb',
      (c, frame, seq) => got.push([c, frame, seq]),
    );
    expect(got.map(([c, , seq]) => [c, seq])).toEqual([
      ['fan:0xa', 2],
      [odd, 1],
    ]);
    expect(got[0][1]).toBe((await log.since('fan:0xa', 1)).frames[0]);
    expect(got[1][1]).toBe((await log.since(odd, 0)).frames[0]);
    expect(JSON.parse(got[1][1])).toMatchObject({ type: 'message', channel: odd, seq: 1, data: { text: 'line\nbreak' } });
  });
});
