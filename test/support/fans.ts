import { BaseWallet, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import request from 'supertest';

export interface SignedIn {
  wallet: BaseWallet;
  address: string;
  accessToken: string;
  refreshToken: string;
  roles: string[];
}

/** Builds the EIP-4361 message a wallet would be asked to sign for this server. */
export async function siweMessage(url: string, wallet: BaseWallet, overrides: Partial<SiweMessage> = {}): Promise<string> {
  const { body } = await request(url).post('/api/v1/auth/nonce').expect(200);
  return new SiweMessage({
    domain: new URL(url).host,
    address: wallet.address,
    statement: body.statement,
    uri: url,
    version: '1',
    chainId: 31337,
    nonce: body.nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
    ...overrides,
  }).prepareMessage();
}

/** Signs in a fan with a real key and a real signature, as the PWA does. */
export async function signIn(url: string, wallet: BaseWallet = Wallet.createRandom()): Promise<SignedIn> {
  const message = await siweMessage(url, wallet);
  const signature = await wallet.signMessage(message);
  const { body } = await request(url).post('/api/v1/auth/siwe').send({ message, signature }).expect(200);
  return { wallet, address: wallet.address.toLowerCase(), accessToken: body.accessToken, refreshToken: body.refreshToken, roles: body.principal.roles };
}
