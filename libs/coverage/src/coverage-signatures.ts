import { getBytes } from 'ethers';
import { recoverPersonalSigner, verifyDigestWithPublicKey } from '@fanmesh/crypto';

/*
 * The formats (Challenge, challengeDigest, witnessDigest) are the wire contract's, in
 * @fanmesh/protocol; these are the API's checks of the two signatures, on libs/crypto's native path.
 */

/** Hotspots registered their public key at pairing: one verify, no recovery. False for any bad or malformed signature. */
export function hotspotSigned(publicKey: string, digest: string, signature: string): boolean {
  try {
    return verifyDigestWithPublicKey(digest, signature, publicKey);
  } catch {
    return false;
  }
}

/** The fan's address (lower case) that personal_signed the witness digest, or undefined for a malformed signature. */
export function witnessSigner(digest: string, signature: string): string | undefined {
  try {
    return recoverPersonalSigner(getBytes(digest), signature).toLowerCase();
  } catch {
    return undefined;
  }
}
