import { concat, getBytes, keccak256, toBeHex, Wallet, HDNodeWallet } from 'ethers';

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
