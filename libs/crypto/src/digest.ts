import { backend } from './backend';
import { BytesInput, bytesToHex, equalBytes, toBytes } from './bytes';
import { addressBytes, checksumAddress, parseAddress, publicKeyForVerify } from './public-key';
import { parseSignature, SignatureInput } from './signature';
import { SignatureError } from './signature.error';

/** 32 bytes, or throws `malformed_input`. */
export function parseDigest(digest: BytesInput): Uint8Array {
  const bytes = toBytes(digest);
  if (bytes?.length !== 32) throw new SignatureError('malformed_input', 'A digest is 32 bytes, as bytes or hex.');
  return bytes;
}

/** The 65-byte public key that signed `digest`; throws `bad_signature` when none recovers. */
export function recoverUncompressed(digest: Uint8Array, signature: SignatureInput): Uint8Array {
  const { compact, recovery } = parseSignature(signature);
  const publicKey = backend.recover(compact, recovery, digest);
  if (!publicKey) throw new SignatureError('bad_signature', 'No public key recovers from this signature.');
  return publicKey;
}

/**
 * Whether the key that signed `digest` has address `expected` (20 bytes). False for a well-formed
 * signature that recovers another key or none; throws for a malformed or malleable one.
 */
export function recoversTo(digest: Uint8Array, signature: SignatureInput, expected: Uint8Array): boolean {
  const { compact, recovery } = parseSignature(signature);
  const publicKey = backend.recover(compact, recovery, digest);
  return publicKey !== undefined && equalBytes(expected, addressBytes(publicKey));
}

/** Plain ECDSA verify of `digest` against a known key (v, where given, is range-checked, not used). */
export function verifiesWith(digest: Uint8Array, signature: SignatureInput, publicKey: BytesInput): boolean {
  const { compact } = parseSignature(signature, true);
  const ok = backend.verify(compact, digest, publicKeyForVerify(publicKey));
  if (ok === undefined) throw new SignatureError('malformed_input', 'The public key is not a point on secp256k1.');
  return ok;
}

/** The uncompressed public key (0x04…) that signed a 32-byte digest: ethers' `SigningKey.recoverPublicKey`. */
export function recoverPublicKey(digest: BytesInput, signature: SignatureInput): string {
  return bytesToHex(recoverUncompressed(parseDigest(digest), signature));
}

/** The checksummed address that signed a 32-byte digest: ethers' `recoverAddress`. */
export function recoverDigestSigner(digest: BytesInput, signature: SignatureInput): string {
  return checksumAddress(addressBytes(recoverUncompressed(parseDigest(digest), signature)));
}

/** Whether `expectedAddress` (any case) signed the 32-byte digest. */
export function verifyDigest(digest: BytesInput, signature: SignatureInput, expectedAddress: string): boolean {
  return recoversTo(parseDigest(digest), signature, parseAddress(expectedAddress));
}

/**
 * The fast path for a signer whose public key is known (devices register theirs): a plain ECDSA
 * verify, no recovery and no keccak. Accepts 65-byte r||s||v or 64-byte r||s; the key is 33, 64 or
 * 65 bytes (a compressed key is decompressed once and cached). ECDSA does not bind v, so a
 * signature and its copy with v flipped both pass here (s is still held low, so r||s is unique):
 * key replay protection on the digest or on r||s, never on the raw signature bytes.
 */
export function verifyDigestWithPublicKey(digest: BytesInput, signature: SignatureInput, publicKey: BytesInput): boolean {
  return verifiesWith(parseDigest(digest), signature, publicKey);
}
