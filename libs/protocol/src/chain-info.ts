/** The parameters of EIP-3085 `wallet_addEthereumChain`, ready to pass to an injected wallet. */
export interface AddEthereumChainParameter {
  /** 0x-prefixed hex, no leading zeros (EIP-3085) */
  chainId: string;
  chainName: string;
  nativeCurrency: { name: string; symbol: string; decimals: number };
  rpcUrls: string[];
  blockExplorerUrls?: string[];
}

/**
 * GET /api/v1/chain (public): the chain the platform attests and pays on, so that anyone can check
 * it from outside (the verifier, `npm run verify`) and a wallet can add it.
 */
export interface ChainInfoView {
  /** false when the API runs without a chain (nothing is attested; every other field is null) */
  enabled: boolean;
  kind: 'embedded' | 'rpc' | 'off';
  chainId: number | null;
  name: string | null;
  nativeCurrency: { name: string; symbol: string; decimals: number } | null;
  /**
   * The JSON-RPC URL to read the chain through: CHAIN_PUBLIC_RPC_URL, a named network's public RPC,
   * or the embedded chain's own; null when none may be published (CHAIN_RPC_URL itself never is).
   */
  rpcUrl: string | null;
  /** `this_machine` when rpcUrl is a loopback address (the embedded chain): reachable from the API's host only. */
  rpcScope: 'public' | 'this_machine' | null;
  explorerUrl: string | null;
  /** The platform's contracts on this chain, by name (FanToken, RewardDistributor, MomentAttestor, DeviceRegistry, PollAttestor). */
  contracts: Record<string, string> | null;
  /** What to pass to `wallet_addEthereumChain`; null without an RPC URL to give. */
  addEthereumChain: AddEthereumChainParameter | null;
}
