import { concat, keccak256, toBeHex } from 'ethers';
import { utf8, uuid16 } from './bytes';

/** A challenge the server issued to a hotspot, as the hotspot signs it and hands it to phones. */
export interface Challenge {
  id: string;
  eventId: string;
  hotspot: string;
  /** 32 random bytes, 0x-hex: nobody can precompute a response. */
  nonce: string;
  issuedAt: string;
  expiresAt: string;
}

/** What a hotspot's local portal serves at `<portal>/fanmesh/challenge`. */
export interface SignedChallenge {
  challenge: Challenge;
  /** The hotspot's raw secp256k1 signature over challengeDigest(challenge). */
  signature: string;
}

/**
 * What the hotspot signs with its device key (a raw secp256k1 signature over the digest, as device
 * envelopes are signed):
 * keccak256("FanMesh coverage challenge v1" ‖ id (16 bytes) ‖ eventId (16 bytes) ‖ hotspot (20 bytes) ‖ nonce (32 bytes) ‖ expiresAt (unix seconds, 8 bytes)).
 */
export function challengeDigest(c: Pick<Challenge, 'id' | 'eventId' | 'hotspot' | 'nonce' | 'expiresAt'>): string {
  return keccak256(
    concat([utf8('FanMesh coverage challenge v1'), uuid16(c.id), uuid16(c.eventId), c.hotspot.toLowerCase(), c.nonce, toBeHex(Math.floor(Date.parse(c.expiresAt) / 1000), 8)]),
  );
}

/**
 * What the fan's phone co-signs with EIP-191 personal_sign over these 32 bytes (`wallet.signMessage(getBytes(digest))`):
 * keccak256("FanMesh coverage witness v1" ‖ challengeDigest ‖ fan (20 bytes) ‖ eventId (16 bytes) ‖ signedAt (ISO-8601 UTF-8)).
 */
export function witnessDigest(challenge: string, fan: string, eventId: string, signedAt: string): string {
  return keccak256(concat([utf8('FanMesh coverage witness v1'), challenge, fan.toLowerCase(), uuid16(eventId), utf8(signedAt)]));
}

/** What the phone posts to /coverage/witnesses. */
export interface WitnessSubmission {
  challengeId: string;
  eventId: string;
  hotspotSignature: string;
  fanSignature: string;
  signedAt: string;
}
