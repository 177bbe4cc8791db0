/**
 * Why a signature could not be judged, or was judged bad.
 *
 * - `malformed_signature`: not 65 bytes r||s||v (64 bytes r||s where a known key makes v moot), not
 *   hex, v outside {0, 1, 27, 28}, or r or s outside [1, n-1].
 * - `malleable_signature`: s in the upper half of the curve order. Every Ethereum signer emits low s
 *   (EIP-2), so a high s is someone's edit of a valid signature (its "twin"), never a wallet's output.
 * - `bad_signature`: well-formed, but no public key recovers from it. The boolean `verify*` functions
 *   answer `false` here instead; only `recover*` (which must return a key) throws it.
 * - `malformed_input`: something other than the signature cannot be used: a digest that is not 32
 *   bytes, a public key that is not a point on secp256k1, an expected address that is not 20 bytes
 *   of hex, a message string ethers cannot UTF-8 encode, typed data ethers would refuse.
 */
export type SignatureErrorCode = 'malformed_signature' | 'malleable_signature' | 'bad_signature' | 'malformed_input';

/** Every code, for exhaustive mappings (a status table, a verdict enum). */
export const SIGNATURE_ERROR_CODES: readonly SignatureErrorCode[] = ['malformed_signature', 'malleable_signature', 'bad_signature', 'malformed_input'];

/**
 * Thrown by libs/crypto for input it cannot judge. It has the shape of the contexts' DomainError
 * (`code`, `detail`) but does not extend it: this kernel stays free of NestJS and of libs/common, so
 * a caller translates it into its own verdict or error (`deny('bad_signature')`, `AccessError(...)`).
 */
export class SignatureError extends Error {
  constructor(
    readonly code: SignatureErrorCode,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = 'SignatureError';
  }
}

/** True for a SignatureError (optionally with one of the given codes). */
export function isSignatureError(error: unknown, ...codes: SignatureErrorCode[]): error is SignatureError {
  return error instanceof SignatureError && (codes.length === 0 || codes.includes(error.code));
}
