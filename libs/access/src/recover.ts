import type { TypedDataDomain, TypedDataField } from 'ethers';
import { recoverDigestSigner, recoverTypedDataSigner } from '@fanmesh/crypto';

type TypedDataTypes = Record<string, TypedDataField[]>;

/**
 * Scans and tags come from strangers: a malformed or malleable signature is an answer ("not signed
 * by the holder"), not an error. These wrappers turn the crypto kernel's SignatureError into
 * `undefined` and give addresses in lower case, as the access tables store them.
 */
export function recoverSigner(hash: string | Uint8Array, sig: Uint8Array | string): string | undefined {
  try {
    return recoverDigestSigner(hash, sig).toLowerCase();
  } catch {
    return undefined;
  }
}

export function recoverTypedSigner(domain: TypedDataDomain, types: TypedDataTypes, value: Record<string, unknown>, sig: string): string | undefined {
  try {
    return recoverTypedDataSigner(domain, types, value, sig).toLowerCase();
  } catch {
    return undefined;
  }
}
