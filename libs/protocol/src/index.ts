/**
 * @fanmesh/protocol: the wire contract every FanMesh client and the API share (the PWA, venue-sim's
 * checks, device agents). Pure TypeScript on ethers and @noble/*, for browsers and Node alike: no
 * Nest, no Node-only APIs, no other @fanmesh library. Signature recovery is injected (RecoverAddress):
 * the API passes libs/crypto, browsers pass nobleRecoverAddress.
 *
 * libs/protocol/vectors.json holds fixed keys, inputs and expected outputs for every format here
 * (made by scripts/make-vectors.ts); this library's specs, the API's and venue-sim's independent
 * implementation are all checked against it.
 */
export * from './domain';
export * from './bytes';
export * from './crypto';
export * from './eip712';
export * from './ticket';
export * from './merch-tag';
export * from './envelope';
export * from './coverage';
export * from './pairing';
export * from './channels';
export * from './realtime';
export * from './views';
export * from './device-owner';
export * from './ticket-import';
export * from './seat-map';
export * from './venue-console';
export * from './chain-info';
export * from './moment-evidence';
export * from './epoch-file';
export * from './gate-lane';
export { nobleRecoverAddress } from './noble';
