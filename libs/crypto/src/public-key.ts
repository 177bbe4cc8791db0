import { backend } from './backend';
import { BytesInput, bytesToHex, keccak, toBytes } from './bytes';
import { SignatureError } from './signature.error';

const DECOMPRESSED_CACHE_SIZE = 4096;
const decompressed = new Map<string, Uint8Array>();

/**
 * A public key as 65 uncompressed bytes. Accepts 33 bytes (0x02/0x03||x), 65 bytes (0x04||x||y) or
 * 64 bytes (x||y), as bytes or hex, as ethers' `SigningKey.computePublicKey` does (but never a
 * 32-byte private key). Compressed keys are decompressed once and remembered (devices send the same
 * few thousand keys all match long), which saves the square root libsecp256k1 would redo per verify.
 * Throws `malformed_input` for anything that is not a point on secp256k1.
 */
export function uncompressedPublicKey(publicKey: BytesInput): Uint8Array {
  const bytes = toBytes(publicKey);
  if (bytes?.length === 65 && bytes[0] === 4) {
    if (!backend.convert(bytes, true)) throw notAPoint();
    return bytes;
  }
  return knownPoint(bytes);
}

/**
 * Like `uncompressedPublicKey`, but a 65-byte key is passed through unchecked: for the verify path,
 * where libsecp256k1 (or noble) parses and checks the point anyway.
 */
export function publicKeyForVerify(publicKey: BytesInput): Uint8Array {
  const bytes = toBytes(publicKey);
  if (bytes?.length === 65 && bytes[0] === 4) return bytes;
  return knownPoint(bytes);
}

function knownPoint(bytes: Uint8Array | undefined): Uint8Array {
  if (bytes?.length === 64) {
    const full = new Uint8Array(65);
    full[0] = 4;
    full.set(bytes, 1);
    if (!backend.convert(full, true)) throw notAPoint();
    return full;
  }
  if (bytes?.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) {
    throw new SignatureError('malformed_input', 'A public key is 33 bytes (0x02/0x03 prefix), 65 bytes (0x04 prefix) or 64 bytes, as bytes or hex.');
  }
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, 33).toString('latin1');
  let full = decompressed.get(key);
  if (!full) {
    full = backend.convert(bytes, false);
    if (!full) throw notAPoint();
    if (decompressed.size >= DECOMPRESSED_CACHE_SIZE) decompressed.delete(decompressed.keys().next().value!);
    decompressed.set(key, full);
  }
  return full;
}

const notAPoint = () => new SignatureError('malformed_input', 'The public key is not a point on secp256k1.');

/** The 20 address bytes of a 65-byte uncompressed public key. */
export function addressBytes(uncompressed: Uint8Array): Uint8Array {
  return keccak(uncompressed.subarray(1)).subarray(12);
}

/** EIP-55 mixed-case checksum of 20 address bytes (what ethers' getAddress returns). */
export function checksumAddress(address: Uint8Array): string {
  const lower = Buffer.from(address.buffer, address.byteOffset, 20).toString('hex');
  const hash = keccak(Buffer.from(lower, 'latin1'));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lower.charCodeAt(i);
    // a-f (>= 97) is upper-cased when its hash nibble is >= 8
    const nibble = i & 1 ? hash[i >> 1] & 0x0f : hash[i >> 1] >> 4;
    out += c >= 97 && nibble >= 8 ? String.fromCharCode(c - 32) : lower[i];
  }
  return out;
}

/**
 * 20 bytes of an expected address given as hex (0x optional, any case: the checksum is not
 * enforced, the comparison is on bytes). Throws `malformed_input` otherwise.
 */
export function parseAddress(address: string): Uint8Array {
  const bytes = typeof address === 'string' ? toBytes(address) : undefined;
  if (bytes?.length !== 20) throw new SignatureError('malformed_input', 'An address is 20 bytes of hex.');
  return bytes;
}

/** The checksummed address of a public key: ethers' `computeAddress(publicKey)`. */
export function publicKeyToAddress(publicKey: BytesInput): string {
  return checksumAddress(addressBytes(uncompressedPublicKey(publicKey)));
}

/** The 33-byte compressed form, as 0x-hex: ethers' `SigningKey.computePublicKey(publicKey, true)`. */
export function compressPublicKey(publicKey: BytesInput): string {
  const compressed = backend.convert(uncompressedPublicKey(publicKey), true);
  return bytesToHex(compressed!);
}

/** The 65-byte uncompressed form, as 0x-hex: ethers' `SigningKey.computePublicKey(publicKey, false)`. */
export function decompressPublicKey(publicKey: BytesInput): string {
  return bytesToHex(uncompressedPublicKey(publicKey));
}
