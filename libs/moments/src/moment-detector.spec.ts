import { describe, expect, it } from 'vitest';
import { ambient, detectBursts, DETECTOR, SensorInfo, SoundSample, trustWeight } from './moment-detector';

const T0 = 1_764_000_000_000;

/** n sensors reading ambient 70 dB every second for a minute, some spiking at given seconds. */
function scene(sensors: { device: string; section: string }[], spikes: Record<string, number[]>, loud = 100): SoundSample[] {
  return sensors.flatMap(({ device, section }, d) =>
    Array.from({ length: 60 }, (_, i) => ({ device, seq: 1, idx: i, section, at: T0 + i * 1000 + d, value: spikes[device]?.includes(i) ? loud : 70 + (i % 3) })),
  );
}
const info = (entries: [string, string, number?][]) => new Map<string, SensorInfo>(entries.map(([d, owner, weight]) => [d, { owner, weight: weight ?? 1 }]));

describe('moment detector', () => {
  const sensors = [
    { device: 'a', section: 'N101' },
    { device: 'b', section: 'N102' },
    { device: 'c', section: 'S101' },
    { device: 'd', section: 'S101' },
  ];

  it('makes one quorate burst when independent sensors in several sections spike together', () => {
    const bursts = detectBursts(
      scene(sensors, { a: [30, 31], b: [31, 32], c: [32] }),
      info([
        ['a', 'o1'],
        ['b', 'o2'],
        ['c', 'o3'],
        ['d', 'o3'],
      ]),
    );
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({ quorate: true, devices: ['a', 'b', 'c'], owners: 3, sections: ['N101', 'N102', 'S101'], at: T0 + 32_002, from: T0 + 30_000, quiet: ['d'] });
    expect(bursts[0].spikes).toHaveLength(5);
  });

  it('ignores a lone noisy sensor however loud', () => {
    const bursts = detectBursts(
      scene(sensors, { a: [5, 6, 7, 20, 40] }, 130),
      info([
        ['a', 'o1'],
        ['b', 'o2'],
        ['c', 'o3'],
        ['d', 'o4'],
      ]),
    );
    expect(bursts.every((b) => !b.quorate)).toBe(true);
    expect(bursts.flatMap((b) => b.devices)).toEqual(['a', 'a', 'a']);
  });

  it('needs different owners, different sections and enough trust', () => {
    const spikes = { a: [10], b: [10], c: [10] };
    expect(
      detectBursts(
        scene(sensors, spikes),
        info([
          ['a', 'o1'],
          ['b', 'o1'],
          ['c', 'o1'],
          ['d', 'o1'],
        ]),
      )[0].quorate,
    ).toBe(false); // one owner
    const oneSection = sensors.map((s) => ({ ...s, section: 'N101' }));
    expect(
      detectBursts(
        scene(oneSection, spikes),
        info([
          ['a', 'o1'],
          ['b', 'o2'],
          ['c', 'o3'],
          ['d', 'o4'],
        ]),
      )[0].quorate,
    ).toBe(false);
    expect(
      detectBursts(
        scene(sensors, spikes),
        info([
          ['a', 'o1', 0.5],
          ['b', 'o2', 0.5],
          ['c', 'o3', 1],
          ['d', 'o4'],
        ]),
      )[0].quorate,
    ).toBe(false); // weight 2 < 2.5
    expect(
      detectBursts(
        scene(sensors, { ...spikes, d: [11] }),
        info([
          ['a', 'o1', 0.5],
          ['b', 'o2', 0.5],
          ['c', 'o3', 1],
          ['d', 'o4'],
        ]),
      )[0].quorate,
    ).toBe(true);
  });

  it('splits spikes further apart than the window into separate bursts', () => {
    const bursts = detectBursts(
      scene(sensors, { a: [10, 30], b: [10, 31], c: [11, 30] }),
      info([
        ['a', 'o1'],
        ['b', 'o2'],
        ['c', 'o3'],
        ['d', 'o4'],
      ]),
    );
    expect(bursts.map((b) => [b.quorate, ((b.from - T0) / 1000) | 0])).toEqual([
      [true, 10],
      [true, 30],
    ]);
  });

  it('learns each sensor’s ambient level: a sensor that is always loud does not spike', () => {
    const samples = scene(sensors, { a: [10], b: [10], c: [10] }).map((s) => (s.device === 'd' ? { ...s, value: 99 } : s));
    expect(
      detectBursts(
        samples,
        info([
          ['a', 'o1'],
          ['b', 'o2'],
          ['c', 'o3'],
          ['d', 'o4'],
        ]),
      )[0].devices,
    ).toEqual(['a', 'b', 'c']);
    expect(ambient([70, 71, 72, 120, 70])).toBe(70);
    expect(DETECTOR.floorDb).toBeGreaterThan(80);
  });

  it('lowers trust with disagreements and never to zero', () => {
    expect(trustWeight(0, 0)).toBe(1);
    expect(trustWeight(0, 2)).toBe(0.6);
    expect(trustWeight(0, 6)).toBeCloseTo(1 / 3);
    expect(trustWeight(2, 1)).toBe(1);
    expect(trustWeight(9, 13)).toBe(0.75);
    expect(trustWeight(0, 100)).toBe(0.1);
  });
});
