import { toUtf8Bytes } from 'ethers';
import { bytesToHex, keccak } from './bytes';
import { recoversTo, recoverUncompressed } from './digest';
import { addressBytes, checksumAddress, parseAddress } from './public-key';
import { SignatureInput } from './signature';
import { SignatureError } from './signature.error';

// String.prototype.isWellFormed is in Node 20 but in TypeScript's ES2024 lib, past this repo's ES2023.
type WellFormed = string & { isWellFormed(): boolean };

const PREFIX = Buffer.from('\x19Ethereum Signed Message:\n', 'latin1');

/**
 * A message's UTF-8 bytes exactly as ethers' `toUtf8Bytes` makes them. For well-formed strings that
 * is plain UTF-8; a lone surrogate, which TextEncoder would replace with U+FFFD, goes to ethers
 * itself (it throws for a lone high surrogate and encodes a lone low one as three bytes).
 */
export function utf8(message: string): Uint8Array {
  if ((message as WellFormed).isWellFormed()) return Buffer.from(message, 'utf8');
  try {
    return toUtf8Bytes(message);
  } catch (cause) {
    throw new SignatureError('malformed_input', 'The message is not well-formed UTF-16 (a lone surrogate).', { cause });
  }
}

/** The EIP-191 personal_sign digest as bytes. A string is UTF-8 text (even when it looks like hex). */
export function personalDigest(message: string | Uint8Array): Uint8Array {
  let body: Uint8Array;
  if (typeof message === 'string') body = utf8(message);
  else if (message instanceof Uint8Array) body = message;
  else throw new SignatureError('malformed_input', 'A message is a string or bytes.');
  const length = Buffer.from(String(body.length), 'latin1');
  const data = new Uint8Array(PREFIX.length + length.length + body.length);
  data.set(PREFIX);
  data.set(length, PREFIX.length);
  data.set(body, PREFIX.length + length.length);
  return keccak(data);
}

/** The EIP-191 personal_sign digest, 0x-hex: ethers' `hashMessage`. */
export function hashPersonalMessage(message: string | Uint8Array): string {
  return bytesToHex(personalDigest(message));
}

/** The checksummed address that personal_signed `message`: ethers' `verifyMessage`. */
export function recoverPersonalSigner(message: string | Uint8Array, signature: SignatureInput): string {
  return checksumAddress(addressBytes(recoverUncompressed(personalDigest(message), signature)));
}

/** Whether `expectedAddress` (any case) personal_signed `message`. */
export function verifyPersonal(message: string | Uint8Array, signature: SignatureInput, expectedAddress: string): boolean {
  return recoversTo(personalDigest(message), signature, parseAddress(expectedAddress));
}
