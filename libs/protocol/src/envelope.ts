import { concat, getBytes, keccak256, toBeHex } from 'ethers';
import { utf8 } from './bytes';
import type { DigestSigner } from './crypto';

/** A device message: the body travels as the exact JSON string that was signed. */
export interface DeviceEnvelope {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
}

const ENVELOPE_TAG = utf8('FanMesh envelope v1');

/**
 * What a device signs for every message (a raw secp256k1 signature over these 32 bytes): the
 * envelope's fields and a hash of the body exactly as sent, so no re-serialization can change what
 * was signed. keccak256("FanMesh envelope v1" ‖ device (20 bytes) ‖ seq (uint64) ‖ sentAt (UTF-8) ‖ keccak256(body)).
 */
export function envelopeDigest(device: string, seq: number, sentAt: string, body: string): string {
  return keccak256(concat([ENVELOPE_TAG, device, toBeHex(seq, 8), utf8(sentAt), keccak256(utf8(body))]));
}

/** A signed envelope for `body` (already the JSON string to send). */
export async function signEnvelope(sign: DigestSigner, device: string, seq: number, body: string, sentAt: string): Promise<DeviceEnvelope> {
  return { deviceId: device, seq, sentAt, body, signature: await sign(getBytes(envelopeDigest(device, seq, sentAt, body))) };
}
