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
  /** Trust weight in (0, 1]: low for a new sensor, lower for one that disagreed with the quorum before (trustWeight). */
  weight: number;
  /** Full trust, approved by the venue's staff or earned through confirmed moments (isEstablished). */
  established: boolean;
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
  /** Distinct owners among the spiking sensors with established trust: new keys alone never make a moment. */
  minEstablishedOwners: number;
}

export const DETECTOR: DetectorParams = { windowMs: 5_000, spikeDb: 12, floorDb: 85, minDevices: 3, minOwners: 2, minSections: 2, minWeight: 2.5, minEstablishedOwners: 2 };

/** A series this long or longer that another sensor also sent, value for value, is one source, counted once. */
export const COPY_MIN_READINGS = 5;

/** How far back of a burst the detector looks to learn each sensor's ambient level. */
export const BASELINE_MS = 60_000;

/** A sensor's ambient level is this percentile of its readings. */
export const AMBIENT_PERCENTILE = 0.2;

/** The rule's name and version as a moment's evidence names them (a new version whenever DETECTOR, AMBIENT_PERCENTILE or a step changes). */
export const MOMENT_RULE = { name: 'sound-quorum', version: 2 } as const;

export interface Burst {
  /** first and last spike (unix ms) */
  from: number;
  to: number;
  /** when the quorum was first met (or the first spike, for a burst that never met it) */
  at: number;
  devices: string[];
  owners: number;
  /** distinct owners of spiking sensors with established trust */
  establishedOwners: number;
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
 * Sensors whose series is another sensor's, value for value (a key re-signing someone else's
 * readings, or one meter behind two keys): each copy mapped to the sensor it copies. Of a set of
 * identical series the most trusted sensor (then the earliest, then the lowest address) is the
 * original. Values only, in time order: shifting the timestamps does not make a copy independent.
 */
export function copiedSeries(samples: SoundSample[], sensors: Map<string, SensorInfo>): Map<string, string> {
  const series = new Map<string, SoundSample[]>();
  for (const s of samples) {
    if (!sensors.has(s.device)) continue;
    let list = series.get(s.device);
    if (!list) series.set(s.device, (list = []));
    list.push(s);
  }
  const bySeries = new Map<string, string[]>();
  const firstAt = new Map<string, number>();
  for (const [device, list] of series) {
    if (list.length < COPY_MIN_READINGS) continue;
    const ordered = [...list].sort((a, b) => a.at - b.at || a.seq - b.seq || a.idx - b.idx);
    firstAt.set(device, ordered[0].at);
    const key = ordered.map((s) => s.value).join(',');
    const same = bySeries.get(key);
    if (same) same.push(device);
    else bySeries.set(key, [device]);
  }
  const copies = new Map<string, string>();
  for (const same of bySeries.values()) {
    if (same.length < 2) continue;
    // a copy is made after its original: of equal trust, the earlier series is the original
    same.sort((a, b) => sensors.get(b)!.weight - sensors.get(a)!.weight || firstAt.get(a)! - firstAt.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    for (const copy of same.slice(1)) copies.set(copy, same[0]);
  }
  return copies;
}

/**
 * Finds bursts of sound spikes and says which meet the quorum: enough distinct sensors, of distinct
 * owners (enough of them established), in distinct sections, trusted enough, within the window.
 * A copied series counts once (copiedSeries, or `copies` when the caller has them): the copies are
 * left out as if unpaired.
 * Deterministic for given samples.
 */
export function detectBursts(
  samples: SoundSample[],
  all: Map<string, SensorInfo>,
  p: DetectorParams = DETECTOR,
  copies: ReadonlyMap<string, string> = copiedSeries(samples, all),
): Burst[] {
  const sensors = copies.size ? new Map([...all].filter(([d]) => !copies.has(d))) : all;
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
    const establishedOwners = new Set<string>();
    const seenSections = new Set<string>();
    let weight = 0;
    let n = 0;
    for (const s of firstSpike.values()) {
      const info = sensors.get(s.device)!;
      n++;
      weight += info.weight;
      seenOwners.add(info.owner);
      if (info.established) establishedOwners.add(info.owner);
      seenSections.add(s.section);
      if (
        !quorate &&
        n >= p.minDevices &&
        seenOwners.size >= p.minOwners &&
        establishedOwners.size >= p.minEstablishedOwners &&
        seenSections.size >= p.minSections &&
        weight >= p.minWeight - 1e-9
      ) {
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
      establishedOwners: establishedOwners.size,
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

/** A new sensor's weight: four of them count as one established sensor. */
export const NEW_SENSOR_WEIGHT = 0.25;

/**
 * Trust from a sensor's record against the quorum. A new sensor starts at NEW_SENSOR_WEIGHT and
 * earns a quarter per confirmed moment it spiked in (full trust after three), unless the venue's
 * staff approved it: then it starts at 1. Disagreement caps it at (agree + 3) / (disagree + 3),
 * never under 0.1. So a sensor that is occasionally quiet in a far section keeps its weight, and
 * one that fires alone or on rejected moments again and again fades out.
 */
export function trustWeight(agree: number, disagree: number, approved = false): number {
  const earned = approved ? 1 : Math.min(1, NEW_SENSOR_WEIGHT * (1 + agree));
  return Math.max(0.1, Math.min(earned, (agree + 3) / (disagree + 3)));
}

/** Established trust is full trust: approved or earned, and not since lost to disagreement. */
export function isEstablished(weight: number): boolean {
  return weight >= 1 - 1e-9;
}
