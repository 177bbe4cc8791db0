import { dirname } from 'node:path';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { hexToBytes } from './bytes';

/**
 * The elliptic-curve operations, on bytes that the callers have already checked for shape:
 * `compact` is 64 bytes r||s with 1 <= r, s < n and s <= n/2, `digest` is 32 bytes, a public key is
 * 65 bytes uncompressed (0x04||x||y) or 33 bytes compressed (0x02/0x03||x).
 */
export interface Secp256k1Backend {
  readonly name: CryptoBackendName;
  /** Plain ECDSA verify. Undefined when the public key is not a point on the curve. */
  verify(compact: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean | undefined;
  /** The 65-byte uncompressed public key, or undefined when no key recovers (r is not an x on the curve). */
  recover(compact: Uint8Array, recovery: number, digest: Uint8Array): Uint8Array | undefined;
  /** The key re-encoded (and so validated), or undefined when it is not a point on the curve. */
  convert(publicKey: Uint8Array, compressed: boolean): Uint8Array | undefined;
}

/**
 * `native`: libsecp256k1 through the `secp256k1` package's prebuilt N-API addon (24-45x ethers, bench/verify).
 * `noble`: @noble/curves, pure JS, where no addon loads (1.0-1.5x ethers).
 */
export type CryptoBackendName = 'native' | 'noble';

/** The addon's own binding, below the package's JS wrapper: status codes instead of thrown errors. */
interface NativeAddon {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): number; // 0 ok, 1 bad sig, 2 bad key, 3 no
  ecdsaRecover(output: Uint8Array, sig: Uint8Array, recid: number, msg32: Uint8Array): number; // 0 ok
  publicKeyConvert(output: Uint8Array, pubkey: Uint8Array): number; // 0 ok, 1 bad key
}

function nativeBackend(addon: NativeAddon): Secp256k1Backend {
  return {
    name: 'native',
    verify(compact, digest, publicKey) {
      const status = addon.ecdsaVerify(compact, digest, publicKey);
      return status === 0 ? true : status === 2 ? undefined : false;
    },
    recover(compact, recovery, digest) {
      const out = new Uint8Array(65);
      return addon.ecdsaRecover(out, compact, recovery, digest) === 0 ? out : undefined;
    },
    convert(publicKey, compressed) {
      const out = new Uint8Array(compressed ? 33 : 65);
      return addon.publicKeyConvert(out, publicKey) === 0 ? out : undefined;
    },
  };
}

const NOBLE_VERIFY = { prehash: false, lowS: true } as const;

export const nobleBackend: Secp256k1Backend = {
  name: 'noble',
  verify(compact, digest, publicKey) {
    try {
      noble.Point.fromBytes(publicKey);
    } catch {
      return undefined;
    }
    return noble.verify(compact, digest, publicKey, NOBLE_VERIFY);
  },
  recover(compact, recovery, digest) {
    try {
      return noble.Signature.fromBytes(compact, 'compact').addRecoveryBit(recovery).recoverPublicKey(digest).toBytes(false);
    } catch {
      return undefined;
    }
  },
  convert(publicKey, compressed) {
    try {
      return noble.Point.fromBytes(publicKey).toBytes(compressed);
    } catch {
      return undefined;
    }
  },
};

// A known answer (made with ethers): an addon that loads but answers wrongly is not used.
const KAT = {
  digest: '0xd11caad4e11c35763d35e24b113d61e250f6301422fc17dd92acfcff0f8e1378',
  compact: '0xd186e868bd6bef63d32020b72c8f62db4b6bdaff6d9a5458d15176a1f792c4c7638c78f192a810662d27cc838f1d1cea9b368eaecfc5f1a425e251fcd824054b',
  recovery: 1,
  publicKey: '0x04414975d86ffef49c001922fb3fea7f8d1fede37ff03425a6becf19ee959089b532062018e6225d032f9f62014aa9012e0ce567fa26ba3abbbaf742d1bc45df9e',
};

/** Whether a backend gives the known answer for verify, recover and point conversion. */
export function passesSelfTest(backend: Secp256k1Backend): boolean {
  try {
    const [digest, compact, publicKey] = [KAT.digest, KAT.compact, KAT.publicKey].map((h) => hexToBytes(h)!);
    const recovered = backend.recover(compact, KAT.recovery, digest);
    const compressed = backend.convert(publicKey, true);
    const wrong = Uint8Array.from(digest);
    wrong[0] ^= 1;
    return (
      backend.verify(compact, digest, publicKey) === true &&
      backend.verify(compact, wrong, publicKey) === false &&
      recovered !== undefined &&
      Buffer.compare(recovered, publicKey) === 0 &&
      compressed !== undefined &&
      Buffer.compare(backend.convert(compressed, false) ?? new Uint8Array(0), publicKey) === 0
    );
  } catch {
    return false;
  }
}

/** Where the addon lives, for worker threads that load it themselves. Undefined without one. */
export let nativeAddonDir: string | undefined;

function loadNative(): Secp256k1Backend | undefined {
  try {
    // The binding directly, not `require('secp256k1')`, which would silently fall back to elliptic (slower than noble).
    const dir = dirname(require.resolve('secp256k1/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loadBinding = require('node-gyp-build') as (dir: string) => { Secp256k1: new () => NativeAddon };
    const backend = nativeBackend(new (loadBinding(dir).Secp256k1)());
    if (!passesSelfTest(backend)) return undefined;
    nativeAddonDir = dir;
    return backend;
  } catch {
    return undefined; // no prebuild for this platform, or a broken one: use noble, say nothing
  }
}

/** The backend every function in this library uses: native when it loads and passes its self-test. */
export const backend: Secp256k1Backend = loadNative() ?? nobleBackend;
