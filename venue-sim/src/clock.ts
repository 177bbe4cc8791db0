/**
 * The simulated match clock: minutes relative to kickoff, running `factor` times faster than the
 * wall clock (a 90-minute match in a few minutes). Signatures and envelopes always carry real time:
 * the API checks freshness against its own clock.
 */
export class SimClock {
  private readonly startedWall = Date.now();

  constructor(
    /** Simulated minute at which the clock starts (e.g. -90: gates open). */
    readonly startMin: number,
    /** Simulated minutes per wall second. */
    readonly minPerSecond: number,
  ) {}

  static compressing(fromMin: number, toMin: number, wallSeconds: number): SimClock {
    return new SimClock(fromMin, (toMin - fromMin) / wallSeconds);
  }

  /** Simulated minutes relative to kickoff, now. */
  now(): number {
    return this.startMin + ((Date.now() - this.startedWall) / 1000) * this.minPerSecond;
  }

  /** Wall-clock ms when the simulated clock shows `min`. */
  wallAt(min: number): number {
    return this.startedWall + ((min - this.startMin) / this.minPerSecond) * 1000;
  }

  async until(min: number): Promise<void> {
    const wait = this.wallAt(min) - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** `-12:30` / `67:05`: the match clock as a scoreboard shows it. */
  label(): string {
    const m = this.now();
    const sign = m < 0 ? '-' : ' ';
    const a = Math.abs(m);
    return `${sign}${String(Math.floor(a)).padStart(2, '0')}:${String(Math.floor((a % 1) * 60)).padStart(2, '0')}`;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * When a fan reaches the gate, in minutes before kickoff (0 = kickoff), from a uniform `u`:
 * density rises towards kickoff so that about 87% arrive in the last half of the opening window
 * (with 90 minutes open, most fans in the last 45 minutes before kickoff).
 */
export function arrivalBeforeKickoff(u: number, openMin: number): number {
  return openMin * (1 - Math.cbrt(u));
}
