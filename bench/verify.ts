// bench/verify: signature checks per second on one core, each beside ethers verifyMessage (the naive
// anchor). The platform's hot paths use whichever of ours is fastest and correct (libs/crypto).
// Usage: npm run bench -- verify
import { createPublicKey, createVerify, verify as nodeVerify } from 'node:crypto';
import { getBytes, hashMessage, keccak256, SigningKey, verifyMessage, Wallet } from 'ethers';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { cryptoBackend, recoverDigestSigner, verifyDigestWithPublicKey, verifyPersonal } from '../libs/crypto/src';
import { fmt } from './_support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('secp256k1/bindings') as {
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed: boolean): Uint8Array;
};

function rate(fn: () => unknown): number {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return n / ((performance.now() - start) / 1000);
}

function main() {
  const wallet = Wallet.createRandom();
  const key = new SigningKey(wallet.privateKey);
  const message = 'reading device=0x42 seq=1001 value=87.5 at=2026-11-25T20:15:00Z';
  const digest = hashMessage(message);
  const sig = key.sign(digest);
  const serialized = sig.serialized;
  const rs = getBytes(serialized).subarray(0, 64);
  const recid = sig.yParity;
  const msg = getBytes(digest);
  const pubCompressed = getBytes(key.compressedPublicKey);
  const noblePub = secp256k1.getPublicKey(getBytes(wallet.privateKey), true);
  const jwk = createPublicKey({ key: Buffer.concat([Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'), Buffer.from(pubCompressed)]), format: 'der', type: 'spki' });
  const der = secp256k1.Signature.fromBytes(rs, 'compact').toBytes('der');
  void createVerify;

  const rows: [string, number][] = [
    ['ethers verifyMessage (EIP-191 recover; the naive anchor)', rate(() => verifyMessage(message, serialized))],
    ['ethers SigningKey.recoverPublicKey (digest)', rate(() => SigningKey.recoverPublicKey(digest, serialized))],
    ['@noble/curves verify, known key', rate(() => secp256k1.verify(rs, msg, noblePub, { prehash: false }))],
    ['@noble/curves recover', rate(() => secp256k1.Signature.fromBytes(rs, 'compact').addRecoveryBit(recid).recoverPublicKey(msg))],
    ['node:crypto verify, known key (DER)', rate(() => nodeVerify(null, msg, { key: jwk, dsaEncoding: 'der' }, der))],
    ['native libsecp256k1 ecdsaVerify, known key', rate(() => native.ecdsaVerify(rs, msg, pubCompressed))],
    ['native libsecp256k1 ecdsaRecover', rate(() => native.ecdsaRecover(rs, recid, msg, false))],
    ['ours: verifyDigestWithPublicKey (devices)', rate(() => verifyDigestWithPublicKey(msg, serialized, pubCompressed))],
    ['ours: recoverDigestSigner (ticket codes)', rate(() => recoverDigestSigner(msg, serialized))],
    ['ours: verifyPersonal (EIP-191 + recover)', rate(() => verifyPersonal(message, serialized, wallet.address))],
  ];
  // Sanity: each path agrees that the signature is good.
  if (!verifyDigestWithPublicKey(msg, serialized, pubCompressed) || recoverDigestSigner(msg, serialized) !== wallet.address.toLowerCase()) throw new Error('verification disagrees');
  void keccak256;

  const anchor = rows[0][1];
  console.log(`verify: one core, 1 s each (backend: ${cryptoBackend})`);
  console.log('path                                                      per second   vs ethers verifyMessage');
  for (const [name, r] of rows) console.log(`${name.padEnd(56)} ${fmt(r).padStart(10)}   ${(r / anchor).toFixed(1)}x`);
}

main();
