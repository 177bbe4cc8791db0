import { BaseWallet } from 'ethers';

export class SimProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

/** A real client of the FanMesh API, as a phone or a scanner would be. */
export class ApiClient {
  token?: string;

  constructor(readonly baseUrl: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new SimProblem(0, 'unreachable', `cannot reach ${this.baseUrl} (${(err as Error).message}). Is \`npm start\` running?`);
    }
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
      throw new SimProblem(res.status, p.code ?? 'http_error', p.detail ?? res.statusText);
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  get = <T>(path: string) => this.request<T>('GET', path);
  post = <T>(path: string, body: unknown = {}) => this.request<T>('POST', path, body);

  /** Sign-in with Ethereum (EIP-4361), with a real signature. */
  async signIn(wallet: BaseWallet): Promise<string[]> {
    const { nonce, statement } = await this.post<{ nonce: string; statement: string }>('/api/v1/auth/nonce');
    const host = new URL(this.baseUrl).host;
    const now = new Date();
    const message = [
      `${host} wants you to sign in with your Ethereum account:`,
      wallet.address,
      '',
      statement,
      '',
      `URI: ${this.baseUrl}`,
      'Version: 1',
      'Chain ID: 31337',
      `Nonce: ${nonce}`,
      `Issued At: ${now.toISOString()}`,
      `Expiration Time: ${new Date(now.getTime() + 300_000).toISOString()}`,
    ].join('\n');
    const session = await this.post<{ accessToken: string; principal: { roles: string[] } }>('/api/v1/auth/siwe', { message, signature: await wallet.signMessage(message) });
    this.token = session.accessToken;
    return session.principal.roles;
  }
}
