import { fromBase64Url, toBase64Url, utf8 } from './bytes';

/** A merch tag as printed on the item: the issuer-signed (sku, serial) in one QR-friendly string (EIP-712, MERCH_DOMAIN / MERCH_TYPES). */
export interface MerchTag {
  sku: string;
  serial: string;
  signature: string;
}

export const MERCH_TAG_PREFIX = 'FMM1.';
const MERCH_TAG_MAX_LENGTH = 600;

/** `FMM1.` + base64url(JSON of sku, serial, signature): scanners tell tags from tickets (`FM1.`) by the prefix. */
export function encodeMerchTag(tag: MerchTag): string {
  return MERCH_TAG_PREFIX + toBase64Url(utf8(JSON.stringify({ sku: tag.sku, serial: tag.serial, signature: tag.signature })));
}

/** Reads a scanned merch tag (the inverse of encodeMerchTag); undefined for anything else. */
export function decodeMerchTag(code: string): MerchTag | undefined {
  if (typeof code !== 'string' || !code.startsWith(MERCH_TAG_PREFIX) || code.length > MERCH_TAG_MAX_LENGTH) return undefined;
  try {
    const t = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(code.slice(MERCH_TAG_PREFIX.length)))) as Record<string, unknown> | null;
    return typeof t?.sku === 'string' && typeof t.serial === 'string' && typeof t.signature === 'string' ? { sku: t.sku, serial: t.serial, signature: t.signature } : undefined;
  } catch {
    return undefined;
  }
}

/** The EIP-712 value the issuer signed for a tag. */
export const merchTypedValue = (tag: Pick<MerchTag, 'sku' | 'serial'>) => ({ sku: tag.sku, serial: tag.serial });
