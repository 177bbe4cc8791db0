import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccakF1600 } from './keccak-f';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** keccak-256's rate: 136 bytes (34 words) absorbed per permutation. */
const RATE = 136;

/**
 * keccak256 of a long input (an epoch file of 100,000 leaves is ~17 MB): noble's sponge with the
 * unrolled keccak-f of ./keccak-f, each block XORed into the state a word at a time from an aligned
 * copy; about twice @noble/hashes' keccak_256 on such inputs, the same digest. Big-endian machines
 * take noble's.
 */
export function keccak256Long(data: Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN) return keccak_256(data);
  const state = new Uint32Array(50);
  const block = new Uint32Array(RATE / 4);
  const block8 = new Uint8Array(block.buffer);
  const full = data.length - (data.length % RATE);
  for (let at = 0; at < full; at += RATE) {
    block8.set(data.subarray(at, at + RATE));
    for (let w = 0; w < RATE / 4; w++) state[w] ^= block[w];
    keccakF1600(state);
  }
  // the last, partial block with keccak's padding (0x01 … 0x80)
  block.fill(0);
  block8.set(data.subarray(full));
  block8[data.length - full] ^= 0x01;
  block8[RATE - 1] ^= 0x80;
  for (let w = 0; w < RATE / 4; w++) state[w] ^= block[w];
  keccakF1600(state);
  return new Uint8Array(state.buffer.slice(0, 32));
}
