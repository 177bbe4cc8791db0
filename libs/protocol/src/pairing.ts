import { getAddress } from 'ethers';
import { fromBase64Url, fromHex, toBase64Url, toHex } from './bytes';
import { DEVICE_KINDS, type DeviceKind } from './domain';

/** The offer `POST /devices/pairings` takes as `offer`, signed by the device key (EIP-712, the pairing domain). */
export interface PairingOffer {
  device: string;
  kind: DeviceKind;
  nonce: string;
  expiresAt: number;
  signature: string;
}

/** What a device shows to be paired: the offer, where its agent answers, and the short code to type instead. */
export interface PairingPayload {
  fanmesh: 'pair';
  v: 1;
  offer: PairingOffer;
  /** The agent's status page, where the owner's app asks the device to sign the registration. */
  agent?: string;
  code: string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 8 characters (40 bits of the nonce) in Crockford base32, as XXXX-XXXX: short enough to type. */
export function shortCode(nonce: string): string {
  const bytes = fromHex(nonce.slice(0, 12));
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let i = 7; i >= 0; i--) s += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** Typed codes forgive case, dashes and the look-alikes Crockford's alphabet leaves out. */
export const normalizeCode = (code: string): string =>
  code
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');

const PREFIX = 'FMP1.';
const OFFER_BYTES = 1 + 20 + 32 + 4 + 65;
const MAX_AGENT = 200;

/**
 * The pairing QR: `FMP1.<base64url(kind, device, nonce, expiresAt, signature)>[.<agent URL>]`, 163
 * characters plus the agent's URL. The JSON form of the same payload is ~400 bytes, a QR of version 13
 * that a phone camera held in a hand reads slowly; this one is version 8. The short code is the
 * nonce's, so it is not carried.
 */
export function encodePairingQr(p: PairingPayload): string {
  const out = new Uint8Array(OFFER_BYTES);
  out[0] = DEVICE_KINDS.indexOf(p.offer.kind);
  out.set(fromHex(p.offer.device), 1);
  out.set(fromHex(p.offer.nonce), 21);
  new DataView(out.buffer).setUint32(53, p.offer.expiresAt);
  out.set(fromHex(p.offer.signature), 57);
  return PREFIX + toBase64Url(out) + (p.agent ? '.' + p.agent : '');
}

/** Reads a pairing QR (this form or the JSON the status page serves); undefined when it is not one. */
export function decodePairingQr(text: string): PairingPayload | undefined {
  if (text.startsWith(PREFIX)) return decodeCompact(text.slice(PREFIX.length));
  if (!text.startsWith('{') || text.length > 2_000) return undefined;
  try {
    const p = JSON.parse(text) as PairingPayload;
    const o = p?.offer;
    if (p?.fanmesh !== 'pair' || p.v !== 1 || typeof p.code !== 'string' || !o || !isOffer(o)) return undefined;
    if (p.agent !== undefined && !isAgentUrl(p.agent)) return undefined;
    return {
      fanmesh: 'pair',
      v: 1,
      offer: { device: o.device, kind: o.kind, nonce: o.nonce, expiresAt: o.expiresAt, signature: o.signature },
      ...(p.agent ? { agent: p.agent } : {}),
      code: p.code,
    };
  } catch {
    return undefined;
  }
}

function decodeCompact(rest: string): PairingPayload | undefined {
  const dot = rest.indexOf('.');
  const body = dot < 0 ? rest : rest.slice(0, dot);
  const agent = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(body) || (agent !== undefined && !isAgentUrl(agent))) return undefined;
  const bytes = fromBase64Url(body);
  if (bytes.length !== OFFER_BYTES || toBase64Url(bytes) !== body) return undefined;
  const kind = DEVICE_KINDS[bytes[0]];
  if (!kind) return undefined;
  const nonce = toHex(bytes.subarray(21, 53));
  const offer: PairingOffer = {
    device: getAddress(toHex(bytes.subarray(1, 21))), // checksummed, as the agent signs and the JSON form shows it
    kind,
    nonce,
    expiresAt: new DataView(bytes.buffer, bytes.byteOffset).getUint32(53),
    signature: toHex(bytes.subarray(57)),
  };
  return { fanmesh: 'pair', v: 1, offer, ...(agent ? { agent } : {}), code: shortCode(nonce) };
}

const isHex = (s: unknown, bytes: number): s is string => typeof s === 'string' && s.length === 2 + bytes * 2 && /^0x[0-9a-fA-F]+$/.test(s);

function isOffer(o: Partial<PairingOffer>): o is PairingOffer {
  return (
    isHex(o.device, 20) &&
    DEVICE_KINDS.includes(o.kind as DeviceKind) &&
    isHex(o.nonce, 32) &&
    Number.isInteger(o.expiresAt) &&
    (o.expiresAt as number) > 0 &&
    (o.expiresAt as number) < 2 ** 32 &&
    isHex(o.signature, 65)
  );
}

const isAgentUrl = (s: string): boolean => s.length > 0 && s.length <= MAX_AGENT && /^https?:\/\/[^\s]+$/i.test(s);
