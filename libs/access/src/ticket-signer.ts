import { Inject, Injectable } from '@nestjs/common';
import { computeAddress, concat, getBytes, keccak256, TypedDataEncoder, zeroPadValue, toBeHex } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { localSecret } from '@fanmesh/common';
import { TICKET_DOMAIN, TICKET_TYPES, TicketClaims, uuidToBytes16 } from './ticket-codec';

type NativeSign = { ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const secp = require('secp256k1') as NativeSign; // native addon when built, elliptic otherwise

const enc = new TextEncoder();
const k = (b: Uint8Array) => keccak_256(b);
const DOMAIN_SEPARATOR = getBytes(TypedDataEncoder.hashDomain(TICKET_DOMAIN));
const TYPE_HASH = getBytes(keccak256(enc.encode(TypedDataEncoder.from(TICKET_TYPES).encodeType('Ticket'))));

/**
 * The EIP-712 hash of a ticket, byte for byte what ethers' TypedDataEncoder.hash gives (a test
 * checks), computed directly: issuing 60,000 tickets through ethers' generic encoder is the slow part.
 */
export function ticketHash(t: TicketClaims): Uint8Array {
  const struct = new Uint8Array(32 * 8);
  struct.set(TYPE_HASH, 0);
  struct.set(getBytes(uuidToBytes16(t.ticketId)), 32); // bytes16 is left-aligned
  struct.set(getBytes(uuidToBytes16(t.eventId)), 64);
  struct.set(getBytes(zeroPadValue(t.holder, 32)), 96);
  struct.set(k(enc.encode(t.section)), 128);
  struct.set(k(enc.encode(t.seat)), 160);
  struct.set(k(enc.encode(t.tier)), 192);
  struct.set(getBytes(toBeHex(t.version, 32)), 224);
  return k(getBytes(concat([Uint8Array.of(0x19, 0x01), DOMAIN_SEPARATOR, k(struct)])));
}

/** Signs tickets with the venue issuer key (TICKET_ISSUER_KEY, or a key kept in the data folder on embedded defaults). */
@Injectable()
export class TicketSigner {
  private readonly key: Uint8Array;
  readonly issuer: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const hex = config.ticketIssuerKey ?? localSecret(config.dataDir, 'ticket-issuer-key', () => '0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex'));
    this.key = getBytes(hex);
    this.issuer = computeAddress(hex).toLowerCase();
  }

  sign(t: TicketClaims): string {
    const { signature, recid } = secp.ecdsaSign(ticketHash(t), this.key);
    return '0x' + Buffer.from(signature).toString('hex') + (27 + recid).toString(16);
  }
}
