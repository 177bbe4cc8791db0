/** Reads a scanned merch tag (`FMM1.` + base64url JSON, as libs/access encodeMerchTag writes it). */
export function decodeMerchTag(code: string): { sku: string; serial: string; signature: string } | undefined {
  if (!code.startsWith('FMM1.') || code.length > 600) return undefined;
  try {
    const json = atob(code.slice(5).replace(/-/g, '+').replace(/_/g, '/'));
    const t = JSON.parse(json) as Record<string, unknown>;
    return typeof t.sku === 'string' && typeof t.serial === 'string' && typeof t.signature === 'string' ? { sku: t.sku, serial: t.serial, signature: t.signature } : undefined;
  } catch {
    return undefined;
  }
}
