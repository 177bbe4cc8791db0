/** A merch tag as printed on the item: the issuer-signed (sku, serial) in one QR-friendly string. */
export interface MerchTag {
  sku: string;
  serial: string;
  signature: string;
}

const PREFIX = 'FMM1.';

/** `FMM1.` + base64url(JSON): scanners tell tags from tickets (`FM1.`) by the prefix. */
export function encodeMerchTag(tag: MerchTag): string {
  return PREFIX + Buffer.from(JSON.stringify({ sku: tag.sku, serial: tag.serial, signature: tag.signature })).toString('base64url');
}
