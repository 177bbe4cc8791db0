import { concat, getBytes, keccak256, toBeHex, TypedDataEncoder, zeroPadValue } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytes16ToUuid, fromBase64Url, toBase64Url, toHexDigits, utf8, uuidToBytes16, writeHex } from './bytes';
import { PersonalSigner, recoverLower, RecoverAddress } from './crypto';
import { TICKET_DOMAIN, TICKET_TYPES } from './eip712';

/** What the venue's issuer signs for a ticket (EIP-712, TICKET_DOMAIN / TICKET_TYPES). */
export interface TicketClaims {
  ticketId: string; // uuid
  eventId: string; // uuid
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
}

export function ticketTypedValue(t: TicketClaims) {
  return { ...t, ticketId: uuidToBytes16(t.ticketId), eventId: uuidToBytes16(t.eventId) };
}

const DOMAIN_SEPARATOR = getBytes(TypedDataEncoder.hashDomain(TICKET_DOMAIN));
const TYPE_HASH = getBytes(keccak256(utf8(TypedDataEncoder.from(TICKET_TYPES).encodeType('Ticket'))));

/**
 * The EIP-712 hash of a ticket, byte for byte what ethers' TypedDataEncoder.hash gives over
 * ticketTypedValue (a test checks), computed directly: issuing 60,000 tickets through ethers'
 * generic encoder is the slow part.
 */
export function ticketHash(t: TicketClaims): Uint8Array {
  const struct = new Uint8Array(32 * 8);
  struct.set(TYPE_HASH, 0);
  struct.set(getBytes(uuidToBytes16(t.ticketId)), 32); // bytes16 is left-aligned
  struct.set(getBytes(uuidToBytes16(t.eventId)), 64);
  struct.set(getBytes(zeroPadValue(t.holder, 32)), 96);
  struct.set(keccak_256(utf8(t.section)), 128);
  struct.set(keccak_256(utf8(t.seat)), 160);
  struct.set(keccak_256(utf8(t.tier)), 192);
  struct.set(getBytes(toBeHex(t.version, 32)), 224);
  return keccak_256(getBytes(concat([Uint8Array.of(0x19, 0x01), DOMAIN_SEPARATOR, keccak_256(struct)])));
}

// ---------------------------------------------------------------- the rotating QR

/** The rotating QR changes every 15 seconds; a scanner takes the current window and the one before. */
export const QR_WINDOW_SECONDS = 15;
export const windowAt = (ms: number) => Math.floor(ms / 1000 / QR_WINDOW_SECONDS);

/**
 * How far ahead of the scanner's clock a phone's clock may run: a code of the *next* window is
 * taken when that window starts at most this many seconds after the scanner's now.
 */
export const QR_CLOCK_SKEW_SECONDS = 10;

/**
 * Where a code's window stands against a scanner's clock (`nowMs`, unix ms). Accepted: `current`,
 * `previous` (a code shown just before it rotated, or a phone clock running slow) and `next` (a
 * phone clock at most QR_CLOCK_SKEW_SECONDS fast). Refused: `old` (two windows back or more: a
 * screenshot) and `future` (further ahead than the skew). So the span taken is
 * [start of the previous window, end of the current window + the skew's reach into the next one].
 */
export type QrWindowVerdict = 'current' | 'previous' | 'next' | 'old' | 'future';

export function qrWindowVerdict(window: number, nowMs: number, skewSeconds = QR_CLOCK_SKEW_SECONDS): QrWindowVerdict {
  const current = windowAt(nowMs);
  if (window === current) return 'current';
  if (window === current - 1) return 'previous';
  if (window < current) return 'old';
  if (window === current + 1 && (current + 1) * QR_WINDOW_SECONDS * 1000 - nowMs <= skewSeconds * 1000) return 'next';
  return 'future';
}

/** True for the windows a scanner accepts at `nowMs` (qrWindowVerdict: current, previous or next within the skew). */
export const qrWindowAccepted = (v: QrWindowVerdict): boolean => v === 'current' || v === 'previous' || v === 'next';

export const QR_PREFIX = 'FM1.';
const QR_BYTES = 16 + 4 + 8 + 65;
const QR_MAX_LENGTH = 200;

export interface QrPayload {
  ticketId: string;
  version: number;
  window: number;
  signature: Uint8Array; // 65 bytes, r || s || v
}

const QR_TAG = utf8('FanMesh QR');

/**
 * What the holder signs for one window: EIP-191 personal_sign over this 32-byte digest, so any
 * wallet (or the PWA's embedded key) can produce it.
 * keccak256("FanMesh QR" ‖ ticketId (16 bytes) ‖ version (uint32) ‖ window (uint64)).
 */
export function qrDigest(ticketId: string, version: number, window: number): string {
  return keccak256(concat([QR_TAG, uuidToBytes16(ticketId), toBeHex(version, 4), toBeHex(window, 8)]));
}

const EIP191_32 = utf8('\x19Ethereum Signed Message:\n32');

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} out of range: ${value}`);
}

/** ticketId (16 bytes) ‖ version (uint32 BE) ‖ window (uint64 BE) at `offset`. */
function writeTicketWindow(buf: Uint8Array, offset: number, ticketId: string, version: number, window: number): void {
  checkUint(version, 0xffffffff, 'version');
  checkUint(window, Number.MAX_VALUE, 'window');
  const id = ticketId.replace(/-/g, '');
  if (id.length !== 32) throw new TypeError(`not a ticket id: ${ticketId}`);
  writeHex(buf, offset, id);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setUint32(offset + 16, version);
  const w = BigInt(window);
  if (w >= 1n << 64n) throw new RangeError(`window out of range: ${window}`);
  view.setBigUint64(offset + 20, w);
}

/**
 * The message hash a scanner recovers the holder from: EIP-191 over the 32-byte digest. Same bytes
 * as ethers' hashMessage(getBytes(qrDigest(...))) (a test checks), without its generic encoders,
 * because it runs on every scan.
 */
export function qrMessageHash(ticketId: string, version: number, window: number): Uint8Array {
  const buf = new Uint8Array(QR_TAG.length + 16 + 4 + 8);
  buf.set(QR_TAG, 0);
  writeTicketWindow(buf, QR_TAG.length, ticketId, version, window);
  const msg = new Uint8Array(EIP191_32.length + 32);
  msg.set(EIP191_32, 0);
  msg.set(keccak_256(buf), EIP191_32.length);
  return keccak_256(msg);
}

/** `FM1.` + base64url(ticketId 16 ‖ version 4 ‖ window 8 ‖ signature 65). */
export function encodeQr(p: QrPayload): string {
  const buf = new Uint8Array(QR_BYTES);
  writeTicketWindow(buf, 0, p.ticketId, p.version, p.window);
  buf.set(p.signature.subarray(0, 65), 28);
  return QR_PREFIX + toBase64Url(buf);
}

/** Parses a scanned code; undefined for anything that is not a well-formed FanMesh ticket code. */
export function decodeQr(code: string): QrPayload | undefined {
  if (typeof code !== 'string' || !code.startsWith(QR_PREFIX) || code.length > QR_MAX_LENGTH) return undefined;
  const buf = fromBase64Url(code.slice(QR_PREFIX.length));
  if (buf.length !== QR_BYTES) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    ticketId: bytes16ToUuid(toHexDigits(buf.subarray(0, 16))),
    version: view.getUint32(16),
    window: Number(view.getBigUint64(20)),
    signature: buf.slice(28),
  };
}

/** The code a holder's phone shows for `window`: signs qrDigest with personal_sign and encodes it. */
export async function signQr(signer: PersonalSigner, ticketId: string, version: number, window: number): Promise<string> {
  const signature = getBytes(await signer.signMessage(getBytes(qrDigest(ticketId, version, window))));
  return encodeQr({ ticketId, version, window, signature });
}

/** The address (lower case) that signed a decoded code, or undefined for a bad signature (the gate compares it with the holder). */
export function qrSigner(qr: QrPayload, recover: RecoverAddress): string | undefined {
  return recoverLower(recover, qrMessageHash(qr.ticketId, qr.version, qr.window), qr.signature);
}
