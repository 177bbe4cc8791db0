import type { Reading } from '../sensing/sensors';

/** A sound sensor's track: ambient ~70 dB once a second over [from, to], loud (`db`) inside the given spans (unix ms). */
export function soundTrack(from: number, to: number, loud: [number, number][] = [], db = 101, stepMs = 1000): Reading[] {
  const out: Reading[] = [];
  for (let t = from, i = 0; t <= to; t += stepMs, i++) {
    const spike = loud.some(([a, b]) => t >= a && t <= b);
    out.push(['sound', Math.round(t), spike ? db : 68 + (i % 5)]);
  }
  return out;
}
