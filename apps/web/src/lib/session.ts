// BaseWallet and SigningKey, not Wallet: Wallet brings JSON keystores and mnemonics (aes-js, scrypt, a wordlist) this app never uses.
import { BaseWallet, randomBytes, SigningKey } from 'ethers';
import { del, get, set } from 'idb-keyval';
import type { MyTicketView } from '@fanmesh/protocol';
import { postJson, setAccessToken } from '../api/client';

export interface Session {
  address: string;
  roles: string[];
  accessToken: string;
  refreshToken: string;
  wallet: BaseWallet;
  /** True when the app opened without a network: tickets come from the last saved copy, nothing is sent. */
  offline?: boolean;
}

const KEY = 'fanmesh.embedded-key';
const REFRESH = 'fanmesh.refresh-token';
/** The signed-in fan's tickets as last loaded, kept per address so they open without a network. */
const savedTicketsKey = (address: string) => `fanmesh.tickets.${address.toLowerCase()}`;
/** Caches that hold nobody's data (the app shell); every other cache is dropped on sign-out. */
const SHELL_CACHE = /^fanmesh-shell-/;

/** The app's own key, made on first open and kept in IndexedDB: no seed-phrase wall for a new fan. */
export async function embeddedWallet(): Promise<BaseWallet> {
  const stored = await get<string>(KEY);
  if (stored) return new BaseWallet(new SigningKey(stored));
  const wallet = new BaseWallet(new SigningKey(randomBytes(32)));
  await set(KEY, wallet.privateKey);
  return wallet;
}

export async function exportKey(): Promise<string | undefined> {
  return get<string>(KEY);
}

/** An EIP-4361 message exactly as the standard lays it out. */
function siweMessage(address: string, nonce: string, statement: string, chainId: number): string {
  const now = new Date();
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    address,
    '',
    statement,
    '',
    `URI: ${location.origin}`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${now.toISOString()}`,
    `Expiration Time: ${new Date(now.getTime() + 5 * 60_000).toISOString()}`,
  ].join('\n');
}

export async function signIn(wallet: BaseWallet): Promise<Session> {
  const { nonce, statement, chainId } = await postJson<{ nonce: string; statement: string; chainId?: number }>('/api/v1/auth/nonce');
  const message = siweMessage(wallet.address, nonce, statement, chainId ?? 31337);
  const signature = await wallet.signMessage(message);
  const s = await postJson<{ accessToken: string; refreshToken: string; principal: { subject: string; roles: string[] } }>('/api/v1/auth/siwe', { message, signature });
  setAccessToken(s.accessToken);
  await set(REFRESH, s.refreshToken);
  return { address: s.principal.subject, roles: s.principal.roles, accessToken: s.accessToken, refreshToken: s.refreshToken, wallet };
}

/** Whether this device is signed in (a key and a refresh token kept since the last sign-in, not signed out since). */
export async function signedInBefore(): Promise<boolean> {
  try {
    return !!(await get<string>(KEY)) && !!(await get<string>(REFRESH));
  } catch {
    return false;
  }
}

/** Without a network a fan can still show their tickets: the key is on the device and signs codes locally. */
export function offlineSession(wallet: BaseWallet): Session {
  return { address: wallet.address.toLowerCase(), roles: ['fan'], accessToken: '', refreshToken: '', wallet, offline: true };
}

export const saveTickets = (address: string, tickets: MyTicketView[]) => set(savedTicketsKey(address), tickets).catch(() => undefined);
export const savedTickets = (address: string) => get<MyTicketView[]>(savedTicketsKey(address)).catch(() => undefined);

/**
 * Signs out and forgets what was kept for this person, so the next one on the same phone sees none
 * of it: the saved tickets, and every cache but the app shell's (API answers a worker kept).
 */
export async function signOut(address?: string): Promise<void> {
  const refreshToken = await get<string>(REFRESH);
  if (refreshToken) await postJson('/api/v1/auth/logout', { refreshToken }).catch(() => undefined);
  await del(REFRESH);
  setAccessToken(null);
  if (address) await del(savedTicketsKey(address)).catch(() => undefined);
  if ('caches' in window) {
    const names = await caches.keys().catch(() => [] as string[]);
    await Promise.all(names.filter((n) => !SHELL_CACHE.test(n)).map((n) => caches.delete(n)));
  }
}
