import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from './files';

/** A registration this device signed for an owner (through the status page's pairing endpoint). */
export interface PairingIntent {
  owner: string;
  venueId: string;
  sectionCode?: string;
  at: string;
}

export interface AgentState {
  version: 1;
  /** The highest seq handed to a message that is not in the outbox (heartbeats, challenge requests); written before it is sent. */
  seq: number;
  intents: PairingIntent[];
  paired: boolean;
  pairedAt?: string;
  /** The venue the device is paired at, when known (from the registration it signed, or --venue). */
  venueId?: string;
  /** The event the readings belong to, as last seen open at the venue (kept across restarts and outages). */
  event?: { id: string; status: string; seenAt: string };
  lastAccepted?: { seq: number; type: string; at: string };
  lastRefusal?: { seq: number; type: string; code: string; detail: string; at: string };
  clock?: { offsetMs: number; at: string };
}

const FILE = 'state.json';

export class StateFile {
  private constructor(
    private readonly path: string,
    public state: AgentState,
  ) {}

  static load(dataDir: string): StateFile {
    const path = join(dataDir, FILE);
    const empty: AgentState = { version: 1, seq: 0, intents: [], paired: false };
    if (!existsSync(path)) return new StateFile(path, empty);
    try {
      return new StateFile(path, { ...empty, ...(JSON.parse(readFileSync(path, 'utf8')) as AgentState) });
    } catch (err) {
      throw new Error(
        `The agent state at ${path} is unreadable (${(err as Error).message}). It holds the message counter: restore it, or move the whole data folder away to start as a new device.`,
      );
    }
  }

  /** Read-only view for `doctor` (never fails: a missing or broken file is "nothing known"). */
  static peek(dataDir: string): AgentState | undefined {
    try {
      return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as AgentState;
    } catch {
      return undefined;
    }
  }

  update(change: Partial<AgentState>): void {
    this.state = { ...this.state, ...change };
    writeFileDurable(this.path, JSON.stringify(this.state, null, 1) + '\n');
  }
}
