import type { TypedDataDomain, TypedDataField } from 'ethers';

/**
 * Every EIP-712 domain and type table FanMesh signs in. The contract ones mirror contracts/src
 * exactly (the contract tests check them against the chain); the others (tickets, merch, pairing
 * offers) are checked off chain only. Hashing stays where it runs: the API uses libs/crypto's
 * compiled encoders, wallets use their own.
 */

export type TypedDataTypes = Record<string, TypedDataField[]>;
export type { TypedDataDomain, TypedDataField };

/** EIP-712 domain names, as each contract's constructor sets them (version '1'). */
export const DOMAIN_NAMES = {
  RewardDistributor: 'FanMesh RewardDistributor',
  DeviceRegistry: 'FanMesh DeviceRegistry',
  PollAttestor: 'FanMesh Polls',
} as const;

export function eip712Domain(name: string, chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name, version: '1', chainId, verifyingContract };
}

/** A contract's domain, or the bare name/version when the chain is off (nothing deployed to verify against). */
export function contractDomain(name: string, chainId: bigint | number | undefined, verifyingContract: string | undefined): TypedDataDomain {
  return verifyingContract && chainId ? eip712Domain(name, chainId, verifyingContract) : { name, version: '1' };
}

// ---------------------------------------------------------------- off chain

/** Tickets are EIP-712 typed data signed by the venue's issuer key. */
export const TICKET_DOMAIN: TypedDataDomain = { name: 'FanMesh Tickets', version: '1' };
export const TICKET_TYPES: TypedDataTypes = {
  Ticket: [
    { name: 'ticketId', type: 'bytes16' },
    { name: 'eventId', type: 'bytes16' },
    { name: 'holder', type: 'address' },
    { name: 'section', type: 'string' },
    { name: 'seat', type: 'string' },
    { name: 'tier', type: 'string' },
    { name: 'version', type: 'uint32' },
  ],
};

/** Merch tags carry the issuer's EIP-712 signature over SKU and serial. */
export const MERCH_DOMAIN: TypedDataDomain = { name: 'FanMesh Merch', version: '1' };
export const MERCH_TYPES: TypedDataTypes = {
  MerchItem: [
    { name: 'sku', type: 'string' },
    { name: 'serial', type: 'string' },
  ],
};

/** What a device shows in its pairing QR, signed by the device key (proves the key is there). */
export const PAIRING_DOMAIN: TypedDataDomain = { name: 'FanMesh Devices', version: '1' };
export const PAIRING_OFFER_TYPES: TypedDataTypes = {
  PairingOffer: [
    { name: 'device', type: 'address' },
    { name: 'kind', type: 'string' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiresAt', type: 'uint64' },
  ],
};

// ---------------------------------------------------------------- contracts

/** A fan's authorization for a relayer to call RewardDistributor.claimFor (domain: DOMAIN_NAMES.RewardDistributor). */
export const CLAIM_TYPES: TypedDataTypes = {
  Claim: [
    { name: 'account', type: 'address' },
    { name: 'cumulativeAmount', type: 'uint256' },
    { name: 'recipient', type: 'address' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** The registration both device and owner sign, byte for byte what DeviceRegistry.register checks. */
export const REGISTRATION_TYPES: TypedDataTypes = {
  Registration: [
    { name: 'device', type: 'address' },
    { name: 'owner', type: 'address' },
    { name: 'venueId', type: 'bytes32' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/**
 * The owner's handover of a device, byte for byte what DeviceRegistry.transferBySig checks; `nonce`
 * is the registry's transferNonce(device), so each signature moves the device once.
 */
export const DEVICE_TRANSFER_TYPES: TypedDataTypes = {
  Transfer: [
    { name: 'device', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** A fan's ballot, as PollAttestor.ballotDigest hashes it (domain: DOMAIN_NAMES.PollAttestor at the attestor). */
export const BALLOT_TYPES: TypedDataTypes = {
  Ballot: [
    { name: 'pollId', type: 'bytes32' },
    { name: 'option', type: 'uint8' },
    { name: 'issuedAt', type: 'uint64' },
  ],
};

/** EIP-2612 permit for FanToken (domain: the token's name). */
export const PERMIT_TYPES: TypedDataTypes = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** The domain fans sign ballots in: 'FanMesh Polls' v1 at the PollAttestor, or without a contract when the chain is off. */
export function ballotDomain(chainId: number | undefined, attestor: string | undefined): TypedDataDomain {
  return contractDomain(DOMAIN_NAMES.PollAttestor, chainId, attestor);
}
