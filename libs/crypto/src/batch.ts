import { BytesInput } from './bytes';
import { parseDigest, recoversTo, verifiesWith } from './digest';
import { personalDigest } from './personal';
import { parseAddress } from './public-key';
import { SignatureInput } from './signature';
import { isSignatureError, SignatureError, SignatureErrorCode } from './signature.error';
import { TypedDataDomain, typedDataDigest, TypedDataTypes } from './typed-data';

/** What was signed: a raw 32-byte digest, an EIP-191 personal message, or EIP-712 typed data. */
export type SignedPayload =
  | { kind: 'digest'; digest: BytesInput }
  | { kind: 'personal'; message: string | Uint8Array }
  | { kind: 'typedData'; domain: TypedDataDomain; types: TypedDataTypes; value: Record<string, unknown> };

/** Who should have signed it: an address (recovery) or a known public key (plain verify, faster). */
export type ExpectedSigner = { address: string; publicKey?: undefined } | { publicKey: BytesInput; address?: undefined };

export type VerifyItem = SignedPayload & ExpectedSigner & { signature: SignatureInput };

/** `valid`, or why not: `bad_signature` for a well-formed signature by someone else, else the error code. */
export type SignatureVerdict = 'valid' | SignatureErrorCode;

/** The 32-byte digest an item's signature covers (throws SignatureError `malformed_input`). */
export function payloadDigest(item: SignedPayload): Uint8Array {
  switch (item.kind) {
    case 'digest':
      return parseDigest(item.digest);
    case 'personal':
      return personalDigest(item.message);
    case 'typedData':
      return typedDataDigest(item.domain, item.types, item.value);
    default:
      throw new SignatureError('malformed_input', `Unknown payload kind ${String((item as { kind: unknown }).kind)}.`);
  }
}

function verdictOf(error: unknown): SignatureVerdict {
  if (isSignatureError(error)) return error.code;
  throw error; // a bug, not an input: let it surface
}

/**
 * One item's verdict; never throws for bad input. The single-item form of `verifyMany`, for callers
 * that want a reason rather than a boolean (`if (checkSignature(item) !== 'valid') return deny(...)`).
 */
export function checkSignature(item: VerifyItem): SignatureVerdict {
  try {
    const digest = payloadDigest(item);
    const ok = item.publicKey !== undefined ? verifiesWith(digest, item.signature, item.publicKey) : recoversTo(digest, item.signature, parseAddress(item.address as string));
    return ok ? 'valid' : 'bad_signature';
  } catch (error) {
    return verdictOf(error);
  }
}

/**
 * Verifies a batch on the calling thread, one verdict per item, in order. Items are independent: a
 * malformed one gets its code and the rest are still checked. For batches big enough to leave the
 * event loop, see VerifierPool (same items, same verdicts, on worker threads).
 */
export function verifyMany(items: readonly VerifyItem[]): SignatureVerdict[] {
  const out = new Array<SignatureVerdict>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = checkSignature(items[i]);
  return out;
}
