/** Where the platform's contracts live on a chain (kept in the database per chain id). */
export interface Deployment {
  FanToken: string;
  RewardDistributor: string;
  MomentAttestor: string;
  DeviceRegistry: string;
  /** Poll tallies and the ballots' EIP-712 domain; deployed last, so the other four keep their addresses and gas. */
  PollAttestor: string;
}

export type ContractKey = keyof Deployment;
