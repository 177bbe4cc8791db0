import { AbiCoder, Contract, ContractRunner, InterfaceAbi, Signature, TypedDataDomain, TypedDataField, id, keccak256, solidityPackedKeccak256 } from 'ethers';
import { CLAIM_TYPES, DEVICE_TRANSFER_TYPES, DOMAIN_NAMES, eip712Domain, PERMIT_TYPES, REGISTRATION_TYPES } from '@fanmesh/protocol';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '@fanmesh/contracts';
import type { ContractKey, Deployment } from './deployment';

/**
 * Off-chain counterparts of the contracts: role ids, leaf and commitment hashes, signing helpers
 * (over @fanmesh/protocol's EIP-712 domains and types) and contract handles. Everything here mirrors
 * contracts/src exactly; the contract tests check each against the chain.
 */

export const ROLES = {
  DEFAULT_ADMIN_ROLE: `0x${'00'.repeat(32)}`,
  MINTER_ROLE: id('MINTER_ROLE'),
  OPERATOR_ROLE: id('OPERATOR_ROLE'),
  ATTESTER_ROLE: id('ATTESTER_ROLE'),
} as const;

export const ARTIFACTS = { FanToken, RewardDistributor, MomentAttestor, DeviceRegistry, PollAttestor } as const;

/** ethers Contract handles for a deployment, connected to `runner` (a Signer to send, a Provider to read). */
export function connectContracts(deployment: Deployment, runner: ContractRunner): Record<ContractKey, Contract> {
  const entries = (Object.keys(ARTIFACTS) as ContractKey[]).map((k) => [k, new Contract(deployment[k], ARTIFACTS[k].abi as unknown as InterfaceAbi, runner)]);
  return Object.fromEntries(entries) as Record<ContractKey, Contract>;
}

// ------------------------------------------------------------------ EIP-712

// Domain names, eip712Domain and the type tables are the wire contract's (@fanmesh/protocol); the
// contract tests check them against the chain.

interface TypedSigner {
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string>;
}

export interface ClaimAuthorization {
  account: string;
  cumulativeAmount: bigint;
  recipient: string;
  deadline: bigint;
}

/** The fan's signature that lets a relayer call `claimFor`. */
export function signClaim(fan: TypedSigner, chainId: bigint | number, distributor: string, claim: ClaimAuthorization): Promise<string> {
  return fan.signTypedData(eip712Domain(DOMAIN_NAMES.RewardDistributor, chainId, distributor), CLAIM_TYPES, { ...claim });
}

export interface RegistrationMessage {
  device: string;
  owner: string;
  venueId: string;
  deadline: bigint;
}

/** A signature over a device registration; the device key and the owner each sign the same message. */
export function signRegistration(signer: TypedSigner, chainId: bigint | number, registry: string, registration: RegistrationMessage): Promise<string> {
  return signer.signTypedData(eip712Domain(DOMAIN_NAMES.DeviceRegistry, chainId, registry), REGISTRATION_TYPES, { ...registration });
}

export interface DeviceTransferMessage {
  device: string;
  to: string;
  nonce: bigint;
  deadline: bigint;
}

/** The current owner's signature for `transferBySig` (nonce: the registry's `transferNonce(device)`). */
export function signDeviceTransfer(owner: TypedSigner, chainId: bigint | number, registry: string, transfer: DeviceTransferMessage): Promise<string> {
  return owner.signTypedData(eip712Domain(DOMAIN_NAMES.DeviceRegistry, chainId, registry), DEVICE_TRANSFER_TYPES, { ...transfer });
}

export interface PermitMessage {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** EIP-2612 permit for FanToken; `tokenName` is the token's name (its domain name). */
export async function signPermit(owner: TypedSigner, chainId: bigint | number, token: string, tokenName: string, permit: PermitMessage): Promise<Signature> {
  return Signature.from(await owner.signTypedData(eip712Domain(tokenName, chainId, token), PERMIT_TYPES, { ...permit }));
}

// ------------------------------------------------------------------ hashes

const abi = AbiCoder.defaultAbiCoder();

/** OpenZeppelin StandardMerkleTree leaf for ['address', 'uint256']: keccak256(keccak256(abi.encode(account, amount))). */
export function rewardLeaf(account: string, cumulativeAmount: bigint): string {
  return keccak256(keccak256(abi.encode(['address', 'uint256'], [account, cumulativeAmount])));
}

/** Hash of a sorted pair, as OpenZeppelin's MerkleProof and StandardMerkleTree compute inner nodes. */
export function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? solidityPackedKeccak256(['bytes32', 'bytes32'], [a, b]) : solidityPackedKeccak256(['bytes32', 'bytes32'], [b, a]);
}

/** Recomputes a root from a leaf and its proof (what RewardDistributor checks). */
export function processProof(leaf: string, proof: readonly string[]): string {
  return proof.reduce((node, sibling) => hashPair(node, sibling), leaf);
}

/** A moment record as MomentAttestor takes it. */
export interface MomentRecord {
  momentId: string;
  eventId: string;
  kind: number;
  timestamp: bigint | number;
  attendance: number;
  evidenceRoot: string;
}

export const MOMENT_ABI_TYPE = 'tuple(bytes32 momentId, bytes32 eventId, uint8 kind, uint64 timestamp, uint32 attendance, bytes32 evidenceRoot)';

/** The word MomentAttestor stores for a record: keccak256(abi.encode(record)), lowest bit cleared, never 0. */
export function momentCommitment(m: MomentRecord): string {
  const h = BigInt(keccak256(abi.encode([MOMENT_ABI_TYPE], [m]))) & ~1n;
  return `0x${(h === 0n ? 2n : h).toString(16).padStart(64, '0')}`;
}
