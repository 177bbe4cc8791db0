export * from './secp256k1';
