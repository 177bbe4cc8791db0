import { randomBytes } from 'node:crypto';
/**
 * The wire formats a phone, a scanner or a device firmware speaks, written from the API's documented
 * formats with ethers alone (the simulator is a client: it never imports the server's code, nor
 * libs/protocol). test/sim/protocol.spec.ts checks each one byte for byte against the wire
 * contract's test vectors (libs/protocol/vectors.json), which the API and the PWA are checked against too.
 */
import { BaseWallet, concat, getBytes, hexlify, keccak256, SigningKey, toBeHex, TypedDataField, Wallet } from 'ethers';

const utf8 = (s: string) => new TextEncoder().encode(s);
const uuid16 = (uuid: string) => '0x' + uuid.replace(/-/g, '').toLowerCase();

// ---------------------------------------------------------------- tickets: the rotating QR

export const QR_WINDOW_MS = 15_000;
export const qrWindowAt = (ms: number) => Math.floor(ms / QR_WINDOW_MS);

export const qrDigest = (ticketId: string, version: number, window: number) => keccak256(concat([utf8('FanMesh QR'), uuid16(ticketId), toBeHex(version, 4), toBeHex(window, 8)]));

/** The code a holder's phone shows at `at` (ms): `FM1.` + ticket id, version, window and the holder's personal_sign. */
export function ticketCode(holder: BaseWallet, ticket: { id: string; version: number }, at = Date.now()): string {
  const window = qrWindowAt(at);
  const signature = getBytes(holder.signMessageSync(getBytes(qrDigest(ticket.id, ticket.version, window))));
  const buf = Buffer.alloc(93);
  Buffer.from(ticket.id.replace(/-/g, ''), 'hex').copy(buf, 0);
  buf.writeUInt32BE(ticket.version, 16);
  buf.writeBigUInt64BE(BigInt(window), 20);
  Buffer.from(signature).copy(buf, 28);
  return 'FM1.' + buf.toString('base64url');
}

// ---------------------------------------------------------------- devices: pairing and envelopes

export const PAIRING_DOMAIN = { name: 'FanMesh Devices', version: '1' };
export const PAIRING_OFFER_TYPES: Record<string, TypedDataField[]> = {
  PairingOffer: [
    { name: 'device', type: 'address' },
    { name: 'kind', type: 'string' },
    { name: 'nonce', type: 'bytes32' },
    { name: 'expiresAt', type: 'uint64' },
  ],
};
/** What device and owner both sign; the domain comes from GET /devices/pairing-domains (the on-chain registry). */
export const REGISTRATION_TYPES: Record<string, TypedDataField[]> = {
  Registration: [
    { name: 'device', type: 'address' },
    { name: 'owner', type: 'address' },
    { name: 'venueId', type: 'bytes32' },
    { name: 'deadline', type: 'uint256' },
  ],
};
export const venueIdBytes32 = (uuid: string) => '0x' + uuid.replace(/-/g, '').padEnd(64, '0');

export const envelopeDigest = (device: string, seq: number, sentAt: string, body: string) =>
  keccak256(concat([utf8('FanMesh envelope v1'), device, toBeHex(seq, 8), utf8(sentAt), keccak256(utf8(body))]));

export interface Envelope {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
}

/** A device message: the body travels as the exact JSON string that was signed. */
export function signEnvelope(key: SigningKey, device: string, seq: number, body: object, sentAt = new Date().toISOString()): Envelope {
  const b = JSON.stringify(body);
  return { deviceId: device, seq, sentAt, body: b, signature: key.sign(getBytes(envelopeDigest(device, seq, sentAt, b))).serialized };
}

// ---------------------------------------------------------------- coverage: challenges and witnesses

export interface Challenge {
  id: string;
  eventId: string;
  hotspot: string;
  nonce: string;
  issuedAt: string;
  expiresAt: string;
}

export const challengeDigest = (c: Pick<Challenge, 'id' | 'eventId' | 'hotspot' | 'nonce' | 'expiresAt'>) =>
  keccak256(
    concat([utf8('FanMesh coverage challenge v1'), uuid16(c.id), uuid16(c.eventId), c.hotspot.toLowerCase(), c.nonce, toBeHex(Math.floor(Date.parse(c.expiresAt) / 1000), 8)]),
  );

export const witnessDigest = (challenge: string, fan: string, eventId: string, signedAt: string) =>
  keccak256(concat([utf8('FanMesh coverage witness v1'), challenge, fan.toLowerCase(), uuid16(eventId), utf8(signedAt)]));

// ---------------------------------------------------------------- merch tags

export const MERCH_DOMAIN = { name: 'FanMesh Merch', version: '1' };
export const MERCH_TYPES: Record<string, TypedDataField[]> = {
  MerchItem: [
    { name: 'sku', type: 'string' },
    { name: 'serial', type: 'string' },
  ],
};

/** A fresh key, straight from 32 random bytes (Wallet.createRandom derives a mnemonic: far too slow for 60,000 fans). */
export const freshWallet = () => new Wallet(hexlify(randomBytes(32)));
