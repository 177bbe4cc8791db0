import { describe, expect, it } from 'vitest';
import vectors from '../vectors.json';
import { channels, parseChannel } from './channels';

describe('channels', () => {
  it('parses the names of the vectors', () => {
    for (const c of vectors.channels) expect(parseChannel(c.name) ?? null).toEqual(c.parsed);
    expect(parseChannel(42)).toBeUndefined();
  });

  it('builds names that parse back', () => {
    const fan = vectors.keys.fan.address;
    const id = vectors.uuids[0].uuid;
    expect(parseChannel(channels.fan(fan.toUpperCase().replace('0X', '0x')))).toEqual({ kind: 'fan', id: fan });
    expect(parseChannel(channels.event(id))).toEqual({ kind: 'event', id });
    expect(parseChannel(channels.staff(id))).toEqual({ kind: 'staff', id });
    expect(parseChannel(channels.sponsor(id))).toEqual({ kind: 'sponsor', id });
  });
});
