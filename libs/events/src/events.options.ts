export const EVENTS_OPTIONS = Symbol('EVENTS_OPTIONS');

export interface EventsOptions {
  /** Deliver events and run jobs in this process (off for one-shot tools). */
  dispatch: boolean;
  /** How often an idle instance looks for new events. */
  pollMs: number;
}
