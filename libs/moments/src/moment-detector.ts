/** One sound reading as the detector sees it (unix ms). */
export interface SoundSample {
  device: string;
  seq: number;
  idx: number;
  section: string;
  at: number;
  value: number;
}

export interface SensorInfo {
  owner: string;
  /** Trust weight in (0, 1]: lower for sensors that disagreed with the quorum before. */
  weight: number;
}

export interface DetectorParams {
  /** Spikes closer than this belong to one burst; independent sensors must agree within it. */
  windowMs: number;
  /** A spike is at least this far above the sensor's own ambient level (dB)... */
  spikeDb: number;
  /** ...and at least this loud (dB SPL). */
  floorDb: number;
  minDevices: number;
  minOwners: number;
  minSections: number;
  /** The spiking sensors' trust weights must add up to this. */
  minWeight: number;
}

export const DETECTOR: DetectorParams = { windowMs: 5_000, spikeDb: 12, floorDb: 85, minDevices: 3, minOwners: 2, minSections: 2, minWeight: 2.5 };

/** How far back of a burst the detector looks to learn each sensor's ambient level. */
export const BASELINE_MS = 60_000;

/** A sensor's ambient level is this percentile of its readings. */
export const AMBIENT_PERCENTILE = 0.2;

/** The rule's name and version as a moment's evidence names them (a new version whenever DETECTOR, AMBIENT_PERCENTILE or a step changes). */
export const MOMENT_RULE = { name: 'sound-quorum', version: 1 } as const;

export interface Burst {
  /** first and last spike (unix ms) */
  from: number;
  to: number;
  /** when the quorum was first met (or the first spike, for a burst that never met it) */
  at: number;
  devices: string[];
  owners: number;
  sections: string[];
  weight: number;
  peakDb: number;
  quorate: boolean;
  /** the spike readings: the evidence */
  spikes: SoundSample[];
  /** sensors that reported during the burst without spiking */
  quiet: string[];
  /** each spiking sensor's ambient level and spike threshold (dB), and how many of its readings were seen */
  baselines: Map<string, { ambientDb: number; thresholdDb: number; readings: number }>;
}

/** The 20th percentile of a sensor's readings: its ambient level (spikes are rare, so they barely move it). */
export function ambient(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor((v.length - 1) * AMBIENT_PERCENTILE)];
}

/**
 * Finds bursts of sound spikes and says which meet the quorum: enough distinct sensors, of distinct
 * owners, in distinct sections, trusted enough, within the window. Deterministic for given samples.
 */
export function detectBursts(samples: SoundSample[], sensors: Map<string, SensorInfo>, p: DetectorParams = DETECTOR): Burst[] {
  const byDevice = new Map<string, number[]>();
  for (const s of samples) {
    let list = byDevice.get(s.device);
    if (!list) byDevice.set(s.device, (list = []));
    list.push(s.value);
  }
  const threshold = new Map<string, number>();
  const ambients = new Map<string, number>();
  for (const [device, values] of byDevice) {
    ambients.set(device, ambient(values));
    threshold.set(device, Math.max(p.floorDb, ambients.get(device)! + p.spikeDb));
  }
  const spikes = samples.filter((s) => sensors.has(s.device) && s.value >= threshold.get(s.device)!).sort((a, b) => a.at - b.at || a.device.localeCompare(b.device));

  const groups: SoundSample[][] = [];
  for (const s of spikes) {
    const last = groups[groups.length - 1];
    if (last && s.at - last[last.length - 1].at <= p.windowMs) last.push(s);
    else groups.push([s]);
  }

  return groups.map((g) => {
    const from = g[0].at;
    const to = g[g.length - 1].at;
    const firstSpike = new Map<string, SoundSample>();
    for (const s of g) if (!firstSpike.has(s.device)) firstSpike.set(s.device, s);
    // walk the sensors in order of their first spike: the quorum is met at the first moment all rules hold
    let at = from;
    let quorate = false;
    const seenOwners = new Set<string>();
    const seenSections = new Set<string>();
    let weight = 0;
    let n = 0;
    for (const s of firstSpike.values()) {
      const info = sensors.get(s.device)!;
      n++;
      weight += info.weight;
      seenOwners.add(info.owner);
      seenSections.add(s.section);
      if (!quorate && n >= p.minDevices && seenOwners.size >= p.minOwners && seenSections.size >= p.minSections && weight >= p.minWeight - 1e-9) {
        quorate = true;
        at = s.at;
      }
    }
    const devices = [...firstSpike.keys()].sort();
    const quiet = [
      ...new Set(samples.filter((s) => s.at >= from - p.windowMs && s.at <= to + p.windowMs && !firstSpike.has(s.device) && sensors.has(s.device)).map((s) => s.device)),
    ].sort();
    return {
      from,
      to,
      at,
      devices,
      owners: seenOwners.size,
      sections: [...seenSections].sort(),
      weight: Math.round(weight * 1000) / 1000,
      peakDb: Math.max(...g.map((s) => s.value)),
      quorate,
      spikes: g,
      quiet,
      baselines: new Map(devices.map((d) => [d, { ambientDb: ambients.get(d)!, thresholdDb: threshold.get(d)!, readings: byDevice.get(d)!.length }])),
    };
  });
}

/**
 * Trust from a sensor's record against the quorum: 1 for a new sensor and for one that agrees at
 * least as often as it disagrees; below that, (agree + 3) / (disagree + 3), never under 0.1. So a
 * sensor that is occasionally quiet in a far section keeps its weight, one that fires alone or on
 * rejected moments again and again fades out.
 */
export function trustWeight(agree: number, disagree: number): number {
  return Math.max(0.1, Math.min(1, (agree + 3) / (disagree + 3)));
}
