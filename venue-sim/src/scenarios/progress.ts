/** What a running scenario reports to the terminal (or to a test). */
export interface Progress {
  phase: string;
  /** The simulated match clock (`-12:30`), empty when the scenario has none. */
  clock: string;
  admitted: number;
  total: number;
  scansPerSecond: number;
  messagesPerSecond: number;
  errors: number;
}
