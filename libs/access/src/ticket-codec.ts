import { concat, getBytes, keccak256, toBeHex, TypedDataDomain, TypedDataField } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';

/** Tickets are EIP-712 typed data signed by the venue's issuer key. */
export const TICKET_DOMAIN: TypedDataDomain = { name: 'FanMesh Tickets', version: '1' };
export const TICKET_TYPES: Record<string, TypedDataField[]> = {
  Ticket: [
    { name: 'ticketId', type: 'bytes16' },
    { name: 'eventId', type: 'bytes16' },
    { name: 'holder', type: 'address' },
    { name: 'section', type: 'string' },
    { name: 'seat', type: 'string' },
    { name: 'tier', type: 'string' },
    { name: 'version', type: 'uint32' },
  ],
};

export interface TicketClaims {
  ticketId: string; // uuid
  eventId: string; // uuid
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
}

export const uuidToBytes16 = (uuid: string) => '0x' + uuid.replace(/-/g, '');
export const bytes16ToUuid = (hex: string) => {
  const h = hex.replace(/^0x/, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export function ticketTypedValue(t: TicketClaims) {
  return { ...t, ticketId: uuidToBytes16(t.ticketId), eventId: uuidToBytes16(t.eventId) };
}

/** The rotating QR changes every 15 seconds; a scanner takes the current window and the one before. */
export const QR_WINDOW_SECONDS = 15;
export const windowAt = (ms: number) => Math.floor(ms / 1000 / QR_WINDOW_SECONDS);

const QR_PREFIX = 'FM1.';
const QR_BYTES = 16 + 4 + 8 + 65;

export interface QrPayload {
  ticketId: string;
  version: number;
  window: number;
  signature: Uint8Array; // 65 bytes, r || s || v
}

/**
 * What the holder signs for one window: EIP-191 personal_sign over this 32-byte digest, so any
 * wallet (or the PWA's embedded key) can produce it.
 */
export function qrDigest(ticketId: string, version: number, window: number): string {
  return keccak256(concat([new TextEncoder().encode('FanMesh QR'), uuidToBytes16(ticketId), toBeHex(version, 4), toBeHex(window, 8)]));
}

const QR_TAG = new TextEncoder().encode('FanMesh QR');
const EIP191_32 = new TextEncoder().encode('\x19Ethereum Signed Message:\n32');

/**
 * The message hash a scanner recovers the holder from: EIP-191 over the 32-byte digest. Same bytes
 * as ethers' hashMessage(getBytes(qrDigest(...))) (a test checks), without its generic encoders,
 * because it runs on every scan.
 */
export function qrMessageHash(ticketId: string, version: number, window: number): Uint8Array {
  const buf = Buffer.alloc(QR_TAG.length + 16 + 4 + 8);
  buf.set(QR_TAG, 0);
  buf.write(ticketId.replace(/-/g, ''), QR_TAG.length, 'hex');
  buf.writeUInt32BE(version, QR_TAG.length + 16);
  buf.writeBigUInt64BE(BigInt(window), QR_TAG.length + 20);
  const msg = new Uint8Array(EIP191_32.length + 32);
  msg.set(EIP191_32, 0);
  msg.set(keccak_256(buf), EIP191_32.length);
  return keccak_256(msg);
}

export function encodeQr(p: QrPayload): string {
  const buf = Buffer.alloc(QR_BYTES);
  Buffer.from(p.ticketId.replace(/-/g, ''), 'hex').copy(buf, 0);
  buf.writeUInt32BE(p.version, 16);
  buf.writeBigUInt64BE(BigInt(p.window), 20);
  Buffer.from(p.signature).copy(buf, 28);
  return QR_PREFIX + buf.toString('base64url');
}

/** Parses a scanned code; undefined for anything that is not a well-formed FanMesh ticket code. */
export function decodeQr(code: string): QrPayload | undefined {
  if (typeof code !== 'string' || !code.startsWith(QR_PREFIX) || code.length > 200) return undefined;
  const buf = Buffer.from(code.slice(QR_PREFIX.length), 'base64url');
  if (buf.length !== QR_BYTES) return undefined;
  return {
    ticketId: bytes16ToUuid(buf.subarray(0, 16).toString('hex')),
    version: buf.readUInt32BE(16),
    window: Number(buf.readBigUInt64BE(20)),
    signature: new Uint8Array(buf.subarray(28)),
  };
}
