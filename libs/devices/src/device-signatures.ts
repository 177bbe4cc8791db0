import { concat, keccak256, toBeHex, TypedDataDomain, TypedDataField } from 'ethers';
import { compressPublicKey, hashTypedData, publicKeyToAddress, recoverPublicKey, verifyDigestWithPublicKey } from '@fanmesh/crypto';

/** What a device shows in its pairing QR, signed by the device key (proves the key is there). */
export const PAIRING_OFFER_TYPES: Record<string, TypedDataField[]> = {
  PairingOffer: [
    { name: 'device', type: 'address' },
    { name: 'kind', type: 'string' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiresAt', type: 'uint64' },
  ],
};
export const PAIRING_DOMAIN: TypedDataDomain = { name: 'FanMesh Devices', version: '1' };

/** The registration both device and owner sign: the chain kernel's, byte for byte what DeviceRegistry.register checks. */
export { REGISTRATION_TYPES } from '@fanmesh/chain';

export const uuidToBytes32 = (uuid: string) => '0x' + uuid.replace(/-/g, '').padEnd(64, '0');

/** The signer's address (lower case) and compressed public key, or undefined for any bad signature. */
export function typedSigner(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>, signature: string): { address: string; publicKey: string } | undefined {
  try {
    // One hash, one recovery: the address follows from the public key.
    const publicKey = recoverPublicKey(hashTypedData(domain, types, value), signature);
    return { address: publicKeyToAddress(publicKey).toLowerCase(), publicKey: compressPublicKey(publicKey) };
  } catch {
    return undefined;
  }
}

/**
 * What a device signs for every message: the envelope's fields and a hash of the body exactly as
 * sent (the body travels as a JSON string, so no re-serialization can change what was signed).
 */
export function envelopeDigest(device: string, seq: number, sentAt: string, body: string): string {
  return keccak256(concat([new TextEncoder().encode('FanMesh envelope v1'), device, toBeHex(seq, 8), new TextEncoder().encode(sentAt), keccak256(new TextEncoder().encode(body))]));
}

/** Devices registered their public key, so each message costs a verify, not a recovery. */
export function envelopeSignedBy(publicKey: string, device: string, seq: number, sentAt: string, body: string, signature: string): boolean {
  try {
    return verifyDigestWithPublicKey(envelopeDigest(device, seq, sentAt, body), signature, publicKey);
  } catch {
    return false;
  }
}
