/** What /health asks of the chain layer; the chain module provides it. */
export const CHAIN_HEALTH = Symbol('CHAIN_HEALTH');

export interface ChainHealth {
  /** Resolves with chain facts (id, block, outbox backlog) or rejects with what is wrong. */
  status(): Promise<Record<string, unknown>>;
}
