/**
 * What `NODE_ENV=production` refuses to start with: embedded stand-ins for real services, keys the
 * whole world knows, and guessable secrets. Each check names the variable and what to set.
 */

/**
 * The ten accounts of the default dev mnemonic `test test test test test test test test test test
 * test junk` (anvil, hardhat, foundry): published keys, drained by bots on every public chain.
 */
export const WELL_KNOWN_DEV_KEYS: readonly string[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

/** True when `s` is one chunk repeated (`abcabcab…`), the chunk at most half as long as `s`. */
function isPeriodic(s: string): boolean {
  for (let unit = 1; unit <= s.length / 2; unit++) {
    let periodic = true;
    for (let i = unit; i < s.length && periodic; i++) periodic = s[i] === s[i % unit];
    if (periodic) return true;
  }
  return false;
}

/** True when some 8-character piece of `s` occurs three times or more (`test-secret-test-secret-test-secret-…`). */
function repeatsAPiece(s: string): boolean {
  const seen = new Map<string, number>();
  for (let i = 0; i + 8 <= s.length; i++) {
    const piece = s.slice(i, i + 8);
    const n = (seen.get(piece) ?? 0) + 1;
    if (n >= 3) return true;
    seen.set(piece, n);
  }
  return false;
}

/** Why a secret is too weak to sign every session with, or undefined when it looks random. */
export function weakSecretReason(secret: string): string | undefined {
  if (secret.length < 32) return `it has ${secret.length} characters, fewer than 32`;
  if (new Set(secret).size < 10) return `it uses only ${new Set(secret).size} different characters`;
  if (isPeriodic(secret) || repeatsAPiece(secret)) return 'it repeats itself';
  return undefined;
}

/** Why a private key must not guard production funds or tickets, or undefined when it is not a known one. */
export function devKeyReason(key: string): string | undefined {
  const hex = key.toLowerCase();
  if (WELL_KNOWN_DEV_KEYS.includes(hex)) return `it is account #${WELL_KNOWN_DEV_KEYS.indexOf(hex)} of the public dev mnemonic "test test … junk"`;
  const digits = hex.slice(2);
  if (isPeriodic(digits) || BigInt(hex) < 2n ** 64n) return 'it is a made-up pattern, not a random key';
  return undefined;
}
