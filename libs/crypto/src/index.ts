/**
 * libs/crypto: secp256k1 signature checks for device messages, fan actions and ticket codes.
 * Pure functions, no NestJS; every result is byte-identical to ethers v6 (the specs check it
 * against ethers on random keys and messages).
 *
 * ## Inputs
 * - Signatures: 65 bytes r||s||v with v in {27, 28} or {0, 1}, as bytes or hex with or without 0x.
 *   The known-key path (`verifyDigestWithPublicKey`, items with `publicKey`) also takes 64 bytes r||s.
 *   EIP-2098 64-byte compact signatures are not accepted where a key must be recovered.
 * - Digests: 32 bytes or hex. Public keys: 33 (compressed), 65 (0x04 uncompressed) or 64 bytes (x||y).
 * - Expected addresses: 20 bytes of hex in any case (compared as bytes; the checksum is not enforced).
 * - Personal messages: a string is UTF-8 text (even if it looks like hex), bytes are bytes; as ethers.
 *
 * ## Error convention
 * - `verify*` answer a boolean: `true` when the expected signer signed, `false` for a well-formed
 *   signature by anyone else (including one from which no key recovers). They throw `SignatureError`
 *   for input they cannot judge: `malformed_signature` (length, hex, v, r/s range),
 *   `malleable_signature` (high s, EIP-2), `malformed_input` (digest, key, address, message, typed data).
 *   So a mistake fails closed: an uncaught throw refuses the request, it never admits it.
 * - `recover*` return what ethers returns (a checksummed address, a 0x04 public key) and throw
 *   `SignatureError` for the same malformed input, plus `bad_signature` when no key recovers.
 * - `checkSignature(item)`, `verifyMany(items)` and `VerifierPool` never throw for input: each item
 *   gets a `SignatureVerdict`, `'valid'` or one of the codes above (`bad_signature` where `verify*`
 *   would say false). Use them where every report needs a recorded reason.
 * - High-s signatures (s > n/2) are refused everywhere; ethers refuses only those whose top bit is
 *   set and recovers the rest. Every Ethereum signer emits low s, so a high s is an edit of someone's
 *   signature (its malleated twin), never a wallet's output.
 *
 * ## Backends (bench/verify has the figures)
 * `cryptoBackend` says which is active: `native` (libsecp256k1 through the `secp256k1` package's
 * prebuilt addon, 25-40x ethers) when it loads and passes a known-answer self-test, else `noble`
 * (@noble/curves, pure JS), silently. keccak is @noble/hashes' keccak_256 throughout (faster than
 * ethers' hex-based `keccak256`); EIP-712 encoding is a compiled, cached encoder equal to ethers'.
 */
import { backend, CryptoBackendName } from './backend';

export const cryptoBackend: CryptoBackendName = backend.name;
export type { CryptoBackendName } from './backend';

export { SignatureError, isSignatureError, SIGNATURE_ERROR_CODES } from './signature.error';
export type { SignatureErrorCode } from './signature.error';
export type { BytesInput } from './bytes';
export { normalizeSignature } from './signature';
export type { SignatureInput } from './signature';

export { recoverDigestSigner, recoverPublicKey, verifyDigest, verifyDigestWithPublicKey } from './digest';
export { hashPersonalMessage, recoverPersonalSigner, verifyPersonal } from './personal';
export { hashTypedData, recoverTypedDataSigner, verifyTypedData } from './typed-data';
export type { TypedDataDomain, TypedDataField, TypedDataTypes } from './typed-data';
export { compressPublicKey, decompressPublicKey, publicKeyToAddress } from './public-key';

export { checkSignature, verifyMany } from './batch';
export type { ExpectedSigner, SignatureVerdict, SignedPayload, VerifyItem } from './batch';
export { VerifierPool } from './verifier-pool';
export type { VerifierPoolOptions } from './verifier-pool';
