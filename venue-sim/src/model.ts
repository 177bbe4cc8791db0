import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimProblem } from './client';

/** A section as the venue model describes it (the API's CreateSectionDto). */
export interface SectionModel {
  code: string;
  name: string;
  stand: 'north' | 'east' | 'south' | 'west';
  tier: number;
  capacity: number;
  neighbours?: string[];
}

export interface GateModel {
  code: string;
  name: string;
  sectionCodes: string[];
}

/**
 * The stadium: the demo stadium every install has, one the sim created before (by id: a season's
 * ground at its next match), or one the sim creates from its sections and gates.
 */
export type VenueModel = { use: 'demo' } | { id: string } | { name: string; city: string; timezone: string; sections: SectionModel[]; gates: GateModel[] };

/** Devices placed in the venue: hotspots spread over sections, sensors by kind. */
export interface DevicesModel {
  hotspots: number;
  sensors: { sound: number; turnstile: number; occupancy: number };
  /** Devices per owner (a hotspot owner with several boxes; sensors of one owner count once in a quorum). */
  devicesPerOwner: number;
  /** Simulated minutes between two heartbeats or reading batches of one device. */
  reportEverySimMin: number;
}

export interface CrowdModel {
  fans: number;
  /** Gates open this many simulated minutes before kickoff. */
  gatesOpenBeforeKickoffMin: number;
  /** Scanning lanes (a steward each) per gate. */
  lanesPerGate: number;
  /** Share of admitted fans whose phones witness a hotspot in their section. */
  witnessShare: number;
}

export type ScriptStep =
  | { at: number; do: 'gates_open' }
  | { at: number; do: 'kickoff' }
  | { at: number; do: 'goal'; team: 'home' | 'away' }
  | { at: number; do: 'halftime' }
  | { at: number; do: 'second_half' }
  | { at: number; do: 'full_time' };

/** A scenario file (venue-sim/scenarios/<name>.json): the venue, its devices, the crowd and the match script. */
export interface Scenario {
  name: string;
  description: string;
  venue: VenueModel;
  devices: DevicesModel;
  crowd: CrowdModel;
  /** Minutes relative to kickoff (negative before it). */
  script: ScriptStep[];
  /** Wall-clock seconds the whole script is compressed into. */
  wallSeconds: number;
}

/** Finds venue-sim/scenarios whether running from src (tests) or dist (the CLI). */
export function scenariosDir(): string {
  for (const dir of [join(__dirname, '..', 'scenarios'), join(__dirname, '..', '..', 'scenarios'), join(process.cwd(), 'venue-sim', 'scenarios')]) {
    if (existsSync(join(dir, 'fraud.json'))) return dir;
  }
  throw new SimProblem(0, 'no_scenarios', 'cannot find venue-sim/scenarios; run the sim from the repository root');
}

export function loadScenario(name: string): Scenario {
  const file = join(scenariosDir(), `${name}.json`);
  if (!existsSync(file)) throw new SimProblem(0, 'unknown_scenario', `no scenario file ${file}`);
  const s = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
  const kickoff = s.script.find((x) => x.do === 'kickoff');
  const open = s.script.find((x) => x.do === 'gates_open');
  if (!kickoff || !open || open.at >= kickoff.at) throw new SimProblem(0, 'bad_scenario', `${file}: the script needs gates_open before kickoff`);
  return s;
}

/** The flags a user may set over a scenario file. */
export function withOverrides(s: Scenario, o: { fans?: number; seconds?: number; hotspots?: number; sensors?: number }): Scenario {
  const out: Scenario = structuredClone(s);
  if (o.fans !== undefined) out.crowd.fans = o.fans;
  if (o.seconds !== undefined) out.wallSeconds = o.seconds;
  if (o.hotspots !== undefined) out.devices.hotspots = o.hotspots;
  if (o.sensors !== undefined) {
    const total = s.devices.sensors.sound + s.devices.sensors.turnstile + s.devices.sensors.occupancy || 1;
    const k = o.sensors / total;
    out.devices.sensors = {
      sound: Math.round(s.devices.sensors.sound * k),
      turnstile: Math.round(s.devices.sensors.turnstile * k),
      occupancy: Math.round(s.devices.sensors.occupancy * k),
    };
  }
  return out;
}
