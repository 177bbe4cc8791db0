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

/** A request the API has not answered in this long is an error, never a hang. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** What the API answered, refusals included: adversaries look at the answer rather than throw. */
export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { code?: string; detail?: string };
}

/** Sees every request a client makes (the run's meter counts messages per second and errors). */
export type RequestObserver = (status: number, ms: number) => void;

/** A real client of the FanMesh API, as a phone, a scanner, a device or a sponsor's server would be. */
export class ApiClient {
  token?: string;
  apiKey?: string;
  /**
   * The network this client is on, sent as X-Forwarded-For the way the venue's load balancer would
   * (the sim's stand-in for a phone's own uplink). Only an API that trusts the sim's hop believes it,
   * as `npm start` does from loopback.
   */
  network?: string;
  /** The account signed in with; a 401 (the 15-minute token ran out in a long match) signs in again once. */
  private wallet?: BaseWallet;
  private signingIn = false;

  constructor(
    readonly baseUrl: string,
    /** Sees every request; a season's actors are re-pointed at each match's meter. */
    public observe?: RequestObserver,
  ) {}

  /** The signed-in account (lower case), undefined before the first sign-in. */
  get address(): string | undefined {
    return this.wallet?.address.toLowerCase();
  }

  /** The answer whatever its status; only an unreachable server throws. */
  async attempt<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const first = await this.once<T>(method, path, body);
    if (first.status !== 401 || !this.wallet || !this.token || this.signingIn) return first;
    await this.signIn(this.wallet);
    return this.once<T>(method, path, body);
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    try {
      return await this.send<T>(method, path, body);
    } catch (err) {
      // A keep-alive socket the server closed while the sim was busy signing: the request never left; send it once more.
      if (err instanceof SimProblem && err.code === 'unreachable' && /UND_ERR_SOCKET|ECONNRESET/.test(err.message)) return this.send<T>(method, path, body);
      throw err;
    }
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(this.apiKey ? { 'x-api-key': this.apiKey } : {}),
          ...(this.network ? { 'x-forwarded-for': this.network } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      this.observe?.(0, performance.now() - t0);
      if ((err as Error).name === 'TimeoutError') {
        throw new SimProblem(
          0,
          'timeout',
          `${method} ${path}: no answer from ${this.baseUrl} within ${REQUEST_TIMEOUT_MS / 1000} s; the API is overloaded or stuck (look at its logs)`,
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new SimProblem(
        0,
        'unreachable',
        `${method} ${path}: cannot reach ${this.baseUrl} (${(err as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}). Is \`npm start\` running? (or pass --url)`,
      );
    }
    const text = res.status === 204 ? '' : await res.text();
    this.observe?.(res.status, performance.now() - t0);
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed as Answer<T>['body'] };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const a = await this.attempt<T>(method, path, body);
    if (a.status >= 400) throw new SimProblem(a.status, a.body.code ?? 'http_error', `${method} ${path}: ${a.body.detail ?? 'refused'}`);
    return a.body as T;
  }

  get = <T>(path: string) => this.request<T>('GET', path);
  post = <T>(path: string, body: unknown = {}) => this.request<T>('POST', path, body);
  put = <T>(path: string, body: unknown = {}) => this.request<T>('PUT', path, body);

  /** Sign-in with Ethereum (EIP-4361), with a real signature. */
  async signIn(wallet: BaseWallet): Promise<string[]> {
    // An expired token on these public calls would be refused too: sign in without one.
    this.token = undefined;
    this.signingIn = true;
    try {
      return await this.siwe(wallet);
    } finally {
      this.signingIn = false;
    }
  }

  private async siwe(wallet: BaseWallet): Promise<string[]> {
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
      `Expiration Time: ${new Date(now.getTime() + 3_600_000).toISOString()}`,
    ].join('\n');
    const session = await this.post<{ accessToken: string; principal: { roles: string[] } }>('/api/v1/auth/siwe', { message, signature: await wallet.signMessage(message) });
    this.token = session.accessToken;
    this.wallet = wallet;
    return session.principal.roles;
  }
}
