import { describe, expect, it } from 'vitest';
import { ambient, copiedSeries, detectBursts, DETECTOR, isEstablished, SensorInfo, SoundSample, trustWeight } from './moment-detector';

const T0 = 1_764_000_000_000;

/** n sensors reading ambient 70-71 dB every second for a minute (each its own series), some spiking at given seconds. */
function scene(sensors: { device: string; section: string }[], spikes: Record<string, number[]>, loud = 100): SoundSample[] {
  return sensors.flatMap(({ device, section }, d) =>
    Array.from({ length: 60 }, (_, i) => ({
      device,
      seq: 1,
      idx: i,
      section,
      at: T0 + i * 1000 + d,
      value: spikes[device]?.includes(i) ? loud : 70 + ((i + d * 7) % 11) / 10 + d / 100,
    })),
  );
}
/** Sensors with owner and weight (1, established, unless given). */
const info = (entries: [string, string, number?][]) =>
  new Map<string, SensorInfo>(entries.map(([d, owner, weight = 1]) => [d, { owner, weight, established: isEstablished(weight) }]));

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

  it('starts a new sensor low, raises it with each confirmed moment, and lowers it with disagreements, never to zero', () => {
    expect(trustWeight(0, 0)).toBe(0.25);
    expect(trustWeight(1, 0)).toBe(0.5);
    expect(trustWeight(3, 0)).toBe(1);
    expect(trustWeight(2, 1)).toBe(0.75);
    expect(trustWeight(9, 13)).toBe(0.75);
    expect(trustWeight(0, 100)).toBe(0.1);
    expect(isEstablished(trustWeight(2, 0))).toBe(false);
    expect(isEstablished(trustWeight(3, 0))).toBe(true);
    expect(isEstablished(trustWeight(3, 4))).toBe(false); // earned, then lost to disagreement
  });

  it('starts an approved sensor at full trust, which disagreement still lowers', () => {
    expect(trustWeight(0, 0, true)).toBe(1);
    expect(trustWeight(0, 2, true)).toBe(0.6);
    expect(trustWeight(0, 6, true)).toBeCloseTo(1 / 3);
    expect(trustWeight(2, 1, true)).toBe(1);
  });

  it('never makes a moment of new sensors alone, however many owners and sections they have', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ device: `n${i}`, section: `S${i}` }));
    const spikes = Object.fromEntries(many.map((s) => [s.device, [10]]));
    const [b] = detectBursts(scene(many, spikes), info(many.map((s, i) => [s.device, `o${i}`, trustWeight(0, 0)])));
    expect(b).toMatchObject({ quorate: false, owners: 12, establishedOwners: 0, weight: 3 });
  });

  it('needs two owners with established trust: one owner’s established sensors and new ones beside them are not enough', () => {
    const spikes = { a: [10], b: [10], c: [10], d: [10] };
    const oneEstablished = info([
      ['a', 'o1'],
      ['b', 'o1'],
      ['c', 'o2', 0.75],
      ['d', 'o3', 0.75],
    ]);
    expect(detectBursts(scene(sensors, spikes), oneEstablished)[0]).toMatchObject({ quorate: false, owners: 3, establishedOwners: 1, weight: 3.5 });
    const twoEstablished = info([
      ['a', 'o1'],
      ['b', 'o1'],
      ['c', 'o2'],
      ['d', 'o3', 0.25],
    ]);
    expect(detectBursts(scene(sensors, spikes), twoEstablished)[0]).toMatchObject({ quorate: true, establishedOwners: 2 });
  });

  it('counts a copied series once, even with its timestamps shifted: the copy is left out of the burst', () => {
    const base = scene(sensors, { a: [10], b: [10], c: [10] });
    // 'e' re-signs a's readings 300 ms later, under a third owner in a third section
    const copy = base.filter((s) => s.device === 'a').map((s) => ({ ...s, device: 'e', section: 'W101', at: s.at + 300 }));
    const withCopy = info([
      ['a', 'o1'],
      ['b', 'o2'],
      ['c', 'o3'],
      ['d', 'o4'],
      ['e', 'o5'],
    ]);
    expect(copiedSeries([...base, ...copy], withCopy)).toEqual(new Map([['e', 'a']]));
    const [b] = detectBursts([...base, ...copy], withCopy);
    expect(b.devices).toEqual(['a', 'b', 'c']);
    expect(b.quiet).not.toContain('e');
    // without c, a and its copy would have been a quorum of three: they are one source
    const twoAndACopy = [...base.filter((s) => s.device !== 'c'), ...copy];
    expect(detectBursts(twoAndACopy, withCopy)[0]).toMatchObject({ quorate: false, devices: ['a', 'b'] });
  });

  it('keeps the more trusted of identical series as the original', () => {
    const base = scene(sensors, { a: [10] });
    const copy = base.filter((s) => s.device === 'a').map((s) => ({ ...s, device: 'e' }));
    expect(
      copiedSeries(
        [...base, ...copy],
        info([
          ['a', 'o1', 0.25],
          ['b', 'o2'],
          ['c', 'o3'],
          ['d', 'o4'],
          ['e', 'o5'],
        ]),
      ),
    ).toEqual(new Map([['a', 'e']]));
    // different series, however alike, are independent
    expect(
      copiedSeries(
        base,
        info([
          ['a', 'o1'],
          ['b', 'o2'],
          ['c', 'o3'],
          ['d', 'o4'],
        ]),
      ).size,
    ).toBe(0);
  });
});
