/** A problem+json answer from the API, kept whole so the UI can show `detail` and switch on `code`. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** The problem's other members (e.g. a refused transition's `from`, `to` and `allowed`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

let accessToken: string | null = null;
let apiKey: string | null = null;
export const setAccessToken = (t: string | null) => (accessToken = t);
export const getAccessToken = () => accessToken;
/** Sponsors call with their API key instead of a signed-in session. */
export const setApiKey = (k: string | null) => (apiKey = k);

function headers(body: boolean): Record<string, string> {
  return {
    accept: 'application/json',
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...(apiKey ? { 'x-api-key': apiKey } : accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
  };
}

/** A GET whose answer is not JSON (CSV exports), with the caller's credentials. */
export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers(false) }).catch(() => {
    throw new ApiProblem(0, 'offline', 'Cannot reach FanMesh. Check your connection; we will retry.');
  });
  if (!res.ok) throw new ApiProblem(res.status, 'http_error', `The server answered ${res.status}.`);
  return res.text();
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body !== undefined),
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiProblem(0, 'offline', 'Cannot reach FanMesh. Check your connection; we will retry.');
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string } & Record<string, unknown>;
    throw new ApiProblem(res.status, problem.code ?? 'http_error', problem.detail ?? `The server answered ${res.status}.`, problem);
  }
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

export const getJson = <T>(path: string) => call<T>('GET', path);
export const postJson = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);
export const patchJson = <T>(path: string, body: unknown) => call<T>('PATCH', path, body);
export const putJson = <T>(path: string, body: unknown) => call<T>('PUT', path, body);
export const deleteJson = <T>(path: string) => call<T>('DELETE', path);
