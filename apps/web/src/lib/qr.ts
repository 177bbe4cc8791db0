import { concat, getBytes, keccak256, toBeHex, verifyMessage, Wallet, HDNodeWallet } from 'ethers';

export const QR_WINDOW_SECONDS = 15;
export const windowAt = (ms: number) => Math.floor(ms / 1000 / QR_WINDOW_SECONDS);

/** The same bytes the gate checks (libs/access ticket-codec): the holder signs ticket, version and window. */
function qrDigest(ticketId: string, version: number, window: number): string {
  return keccak256(concat([new TextEncoder().encode('FanMesh QR'), '0x' + ticketId.replace(/-/g, ''), toBeHex(version, 4), toBeHex(window, 8)]));
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function ticketCode(wallet: Wallet | HDNodeWallet, ticketId: string, version: number, window: number): Promise<string> {
  const signature = getBytes(await wallet.signMessage(getBytes(qrDigest(ticketId, version, window))));
  const buf = new Uint8Array(16 + 4 + 8 + 65);
  buf.set(getBytes('0x' + ticketId.replace(/-/g, '')), 0);
  new DataView(buf.buffer).setUint32(16, version);
  new DataView(buf.buffer).setBigUint64(20, BigInt(window));
  buf.set(signature, 28);
  return 'FM1.' + b64url(buf);
}

export interface ScannedCode {
  ticketId: string;
  version: number;
  window: number;
  signature: string;
}

function fromB64url(s: string): Uint8Array | undefined {
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Reads a scanned `FM1.` code (the inverse of ticketCode); undefined for anything else. */
export function decodeTicketCode(code: string): ScannedCode | undefined {
  if (!code.startsWith('FM1.') || code.length > 200) return undefined;
  const buf = fromB64url(code.slice(4));
  if (!buf || buf.length !== 16 + 4 + 8 + 65) return undefined;
  const hex = [...buf.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const view = new DataView(buf.buffer);
  return {
    ticketId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    version: view.getUint32(16),
    window: Number(view.getBigUint64(20)),
    signature: '0x' + [...buf.subarray(28)].map((b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

/** The address that signed a scanned code (the gate compares it with the ticket's holder). */
export function codeSigner(c: ScannedCode): string | undefined {
  try {
    return verifyMessage(getBytes(qrDigest(c.ticketId, c.version, c.window)), c.signature).toLowerCase();
  } catch {
    return undefined;
  }
}
