/** A problem+json answer from the API, kept whole so the UI can show `detail` and switch on `code`. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiProblem(0, 'offline', 'Cannot reach FanMesh. Check your connection; we will retry.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new ApiProblem(res.status, body.code ?? 'http_error', body.detail ?? `The server answered ${res.status}.`);
  }
  return (await res.json()) as T;
}
