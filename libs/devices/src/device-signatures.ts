import type { TypedDataDomain, TypedDataField } from 'ethers';
import { compressPublicKey, hashTypedData, publicKeyToAddress, recoverPublicKey, verifyDigestWithPublicKey } from '@fanmesh/crypto';
import { envelopeDigest } from '@fanmesh/protocol';

/*
 * The formats (pairing offer and registration types, the envelope digest, uuidToBytes32) are the
 * wire contract's, in @fanmesh/protocol; these are the API's checks of them, on libs/crypto's
 * native path.
 */

/** The signer's address (lower case) and compressed public key, or undefined for any bad signature. */
export function typedSigner(
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
  signature: string,
): { address: string; publicKey: string } | undefined {
  try {
    // One hash, one recovery: the address follows from the public key.
    const publicKey = recoverPublicKey(hashTypedData(domain, types, value), signature);
    return { address: publicKeyToAddress(publicKey).toLowerCase(), publicKey: compressPublicKey(publicKey) };
  } catch {
    return undefined;
  }
}

/** Devices registered their public key, so each message costs a verify, not a recovery. */
export function envelopeSignedBy(publicKey: string, device: string, seq: number, sentAt: string, body: string, signature: string): boolean {
  try {
    return verifyDigestWithPublicKey(envelopeDigest(device, seq, sentAt, body), signature, publicKey);
  } catch {
    return false;
  }
}
