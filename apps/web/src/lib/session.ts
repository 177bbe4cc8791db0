import { HDNodeWallet, Wallet } from 'ethers';
import { del, get, set } from 'idb-keyval';
import { postJson, setAccessToken } from '../api/client';

export interface Session {
  address: string;
  roles: string[];
  accessToken: string;
  refreshToken: string;
  wallet: Wallet | HDNodeWallet;
  /** True when the app opened without a network: tickets come from the last saved copy, nothing is sent. */
  offline?: boolean;
}

const KEY = 'fanmesh.embedded-key';
const REFRESH = 'fanmesh.refresh-token';

/** The app's own key, made on first open and kept in IndexedDB: no seed-phrase wall for a new fan. */
export async function embeddedWallet(): Promise<Wallet> {
  const stored = await get<string>(KEY);
  if (stored) return new Wallet(stored);
  const wallet = Wallet.createRandom();
  await set(KEY, wallet.privateKey);
  return new Wallet(wallet.privateKey);
}

export async function exportKey(): Promise<string | undefined> {
  return get<string>(KEY);
}

/** An EIP-4361 message exactly as the standard lays it out. */
function siweMessage(address: string, nonce: string, statement: string): string {
  const now = new Date();
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    address,
    '',
    statement,
    '',
    `URI: ${location.origin}`,
    'Version: 1',
    'Chain ID: 31337',
    `Nonce: ${nonce}`,
    `Issued At: ${now.toISOString()}`,
    `Expiration Time: ${new Date(now.getTime() + 5 * 60_000).toISOString()}`,
  ].join('\n');
}

export async function signIn(wallet: Wallet | HDNodeWallet): Promise<Session> {
  const { nonce, statement } = await postJson<{ nonce: string; statement: string }>('/api/v1/auth/nonce');
  const message = siweMessage(wallet.address, nonce, statement);
  const signature = await wallet.signMessage(message);
  const s = await postJson<{ accessToken: string; refreshToken: string; principal: { subject: string; roles: string[] } }>('/api/v1/auth/siwe', { message, signature });
  setAccessToken(s.accessToken);
  await set(REFRESH, s.refreshToken);
  return { address: s.principal.subject, roles: s.principal.roles, accessToken: s.accessToken, refreshToken: s.refreshToken, wallet };
}

/** Without a network a fan can still show their tickets: the key is on the device and signs codes locally. */
export function offlineSession(wallet: Wallet | HDNodeWallet): Session {
  return { address: wallet.address.toLowerCase(), roles: ['fan'], accessToken: '', refreshToken: '', wallet, offline: true };
}

export async function signOut(): Promise<void> {
  const refreshToken = await get<string>(REFRESH);
  if (refreshToken) await postJson('/api/v1/auth/logout', { refreshToken }).catch(() => undefined);
  await del(REFRESH);
  setAccessToken(null);
}

