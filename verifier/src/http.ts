import { VerifyError } from './report';

/**
 * The public API, read as any outsider would: plain GETs, no credentials. A refusal is reported with
 * its status and the problem+json `code` and `detail` the API answers with.
 */
export class PublicApi {
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  /** `path` under /api/v1 (or absolute from the host when it starts with `/health` or `/api`). */
  url(path: string): string {
    return `${this.base}${path.startsWith('/api/') || path.startsWith('/health') ? path : `/api/v1${path}`}`;
  }

  async bytes(path: string): Promise<Uint8Array> {
    const res = await this.get(path);
    return new Uint8Array(await res.arrayBuffer());
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.get(path);
    return (await res.json()) as T;
  }

  /** The JSON at `path`, or undefined on a 404 (a route this server does not have). */
  async optionalJson<T>(path: string): Promise<T | undefined> {
    try {
      return await this.json<T>(path);
    } catch (err) {
      if (err instanceof HttpError && (err.status === 404 || err.status === 503)) return undefined;
      throw err;
    }
  }

  private async get(path: string): Promise<Response> {
    const url = this.url(path);
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json, text/csv, */*' } });
    } catch (err) {
      throw new VerifyError(`GET ${url} failed: ${(err as Error).message}`);
    }
    if (!res.ok) {
      let problem = '';
      try {
        const body = (await res.json()) as { code?: string; detail?: string; title?: string };
        problem = [body.code, body.detail ?? body.title].filter(Boolean).join(': ');
      } catch {
        /* not problem+json */
      }
      throw new HttpError(res.status, `GET ${url} answered ${res.status}${problem ? ` (${problem})` : ''}`);
    }
    return res;
  }
}

export class HttpError extends VerifyError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
