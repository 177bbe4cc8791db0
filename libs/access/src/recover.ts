import { recoverDigestSigner } from '@fanmesh/crypto';

/** The signer of a 32-byte hash, or undefined for a malformed or malleable signature. */
export function recoverSigner(hash: string | Uint8Array, sig: Uint8Array): string | undefined {
  return recoverDigestSigner(hash, sig);
}
