import type { Reading } from '../sensing/sensors';

let tracks = 0;

/**
 * A sound sensor's track: ambient ~70 dB once a second over [from, to], loud (`db`) inside the given
 * spans (unix ms). Each track is its own series (a tenth of a dB of its own noise), as two real
 * meters never read the same values: identical series are one source to the rule.
 */
export function soundTrack(from: number, to: number, loud: [number, number][] = [], db = 101, stepMs = 1000): Reading[] {
  const out: Reading[] = [];
  const track = ++tracks;
  for (let t = from, i = 0; t <= to; t += stepMs, i++) {
    const spike = loud.some(([a, b]) => t >= a && t <= b);
    out.push(['sound', Math.round(t), spike ? db : 68 + (i % 5) + ((i * 7 + track * 3) % 10) / 10]);
  }
  return out;
}
