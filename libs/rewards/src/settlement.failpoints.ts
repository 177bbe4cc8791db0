/** Points where a test makes settlement "crash", to prove a restart from the database resumes it exactly. */
export type SettlementFailpoint = 'before-step' | 'after-tree' | 'after-root-enqueue';

/** Called at each failpoint with the epoch being settled; a test throws from it to "crash" there. */
export type SettlementFailpoints = (at: SettlementFailpoint, epochId: string) => void;

/**
 * Test-only: the token a test provides (`{ provide: SETTLEMENT_FAILPOINTS, useValue: fn }`) to inject
 * faults into settlement. Production never provides it, so settlement never calls anything there.
 */
export const SETTLEMENT_FAILPOINTS = Symbol('SETTLEMENT_FAILPOINTS');
