import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, fanPrincipal, RunningApp, startApp, staffPrincipal } from '../support/app';

/**
 * A property-based fuzzer over every operation of the OpenAPI document: whatever a client sends
 * (odd path parameters, bodies of the wrong shape, NUL and unpaired surrogates, absurd nesting,
 * compressed bodies, wrong content types), the answer is never a 5xx, and the server stays healthy.
 */
type Operation = { method: string; path: string; bodyKeys: string[] };
type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; type?: string };

const NUL = 'a\u0000b';
const LONE = 'x\ud800y';
const weirdStrings = [
  NUL,
  LONE,
  '\udc00',
  '',
  ' ',
  '../../etc/passwd',
  "'; DROP TABLE tickets; --",
  '0x',
  '0x' + 'f'.repeat(40),
  '9'.repeat(400),
  '💥'.repeat(20),
  '%00',
  '=cmd|calc',
];
const deep = (n: number): unknown => {
  let v: unknown = {};
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

const pathValue = fc.oneof(
  fc.uuid(),
  fc.constantFrom(DEMO_VENUE_ID, DEMO_EVENT_ID, '0x' + 'ab'.repeat(20), 'A1', '0', '-1', '1e309', 'null', 'undefined'),
  fc.constantFrom(...weirdStrings),
  fc.string({ maxLength: 80 }),
);
const leaf = fc.oneof(
  fc.constantFrom(...weirdStrings),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER * 10, -1, 0, 1e308, true, false, null),
  fc.constant([[]]),
  fc.constant([{}]),
  fc.constant({}),
  fc.constant([]),
  fc.uuid(),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), leaf);

describe('route fuzzer', () => {
  let api: RunningApp;
  let ops: Operation[] = [];
  const tokens: (string | undefined)[] = [undefined];

  beforeAll(async () => {
    api = await startApp('fuzz');
    const doc = (await (await fetch(`${api.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
      components: { schemas: Record<string, Schema> };
    };
    const resolveSchema = (s?: Schema): Schema | undefined => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const schema = resolveSchema(op.requestBody?.content?.['application/json']?.schema);
        ops.push({ method: method.toUpperCase(), path, bodyKeys: Object.keys(schema?.properties ?? resolveSchema(schema?.items)?.properties ?? {}) });
      }
    }
    tokens.push(await api.tokenFor(adminPrincipal), await api.tokenFor(staffPrincipal(DEMO_VENUE_ID)), await api.tokenFor(fanPrincipal));
  });

  afterAll(async () => api?.close());

  it('answers each class of input an outside fuzzer broke the API with by a 4xx problem with its reason', async () => {
    const admin = tokens[1]!;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/api/v1/venues`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, ...headers }, body });
    const expectProblem = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { code: string }).code).toBe(code);
    };
    await expectProblem(await post('{"name":"Arena"}', { 'content-encoding': 'gzip' }), 415, 'unsupported_content_encoding');
    await expectProblem(await post('{"name":"Arena"}', { 'content-encoding': 'br' }), 415, 'unsupported_content_encoding');
    await expectProblem(await post(JSON.stringify(deep(3000))), 400, 'too_deeply_nested');
    await expectProblem(await post(JSON.stringify({ name: NUL, timezone: 'Europe/London' })), 400, 'invalid_text');
    await expectProblem(await post(JSON.stringify({ name: LONE, timezone: 'Europe/London' })), 400, 'invalid_text');
    await expectProblem(await post(JSON.stringify({ name: 'Arena', timezone: 'Europe/London', sections: [[]] })), 400, 'validation_failed');
    const pools = await fetch(`${api.url}/api/v1/events/${DEMO_EVENT_ID}/reward-pools`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: '{"pools":[[]]}',
    });
    await expectProblem(pools, 400, 'validation_failed');
    await expectProblem(await fetch(`${api.url}/api/v1/events/a%00b`), 400, 'invalid_text');
  });

  it('answers every generated request to every operation with a 4xx or less, never a 5xx, and stays healthy', async () => {
    expect(ops.length).toBeGreaterThan(60);
    const failures: string[] = [];
    let sent = 0;
    const send = async (method: string, path: string, init: { body?: string; headers?: Record<string, string>; token?: string }) => {
      sent++;
      const headers: Record<string, string> = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      const res = await fetch(`${api.url}${path}`, { method, headers, body: init.body });
      const text = await res.text();
      if (res.status >= 500) failures.push(`${res.status} ${method} ${path} ${JSON.stringify(init.headers ?? {})} body=${(init.body ?? '').slice(0, 160)} → ${text.slice(0, 200)}`);
    };
    const fill = (template: string, values: string[]) => {
      let i = 0;
      // A lone surrogate has no UTF-8 form: send the bytes a careless client would (an encoded surrogate half).
      return template.replace(/\{[^}]+\}/g, () => {
        const v = values[i++ % values.length];
        try {
          return encodeURIComponent(v);
        } catch {
          return '%ED%A0%80';
        }
      });
    };

    const requests = fc.record({
      params: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
      token: fc.constantFrom(...tokens),
      body: fc.oneof(anyJson, fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 })),
      fieldValues: fc.array(anyJson, { minLength: 6, maxLength: 6 }),
      useSchema: fc.boolean(),
      query: fc.option(fc.constantFrom('?limit=-1', '?limit=abc', '?status=%00', '?venueId=x', '?from=not-a-date', '?a[b][c][d][e]=1', '?after=' + '9'.repeat(40)), { nil: '' }),
    });

    for (const op of ops) {
      const samples = fc.sample(requests, { numRuns: 12, seed: 20261201 + sent });
      const jobs = samples.map(async (s) => {
        const path = `${fill(op.path, s.params)}${s.query}`;
        let body = s.body;
        if (s.useSchema && op.bodyKeys.length) body = Object.fromEntries(op.bodyKeys.map((k, i) => [k, s.fieldValues[i % s.fieldValues.length]]));
        const hasBody = op.method !== 'GET' && op.method !== 'HEAD';
        await send(op.method, path, { token: s.token, body: hasBody && body !== undefined ? JSON.stringify(body) : undefined });
      });
      // The four classes an outside fuzzer found: compressed bodies, deep nesting, bad text, arrays for objects.
      const template = fill(op.path, [DEMO_EVENT_ID]);
      if (op.method !== 'GET') {
        const fields = op.bodyKeys.length ? op.bodyKeys : ['name'];
        for (const token of tokens.slice(0, 2)) {
          jobs.push(send(op.method, template, { token, body: JSON.stringify({ [fields[0]]: 'x' }), headers: { 'content-encoding': 'gzip' } }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify({ [fields[0]]: 'x' }), headers: { 'content-encoding': 'br' } }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify(deep(3000)) }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify(Object.fromEntries(fields.map((f) => [f, NUL]))) }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify(Object.fromEntries(fields.map((f) => [f, LONE]))) }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify(Object.fromEntries(fields.map((f) => [f, [[]]]))) }));
          jobs.push(send(op.method, template, { token, body: JSON.stringify(Object.fromEntries(fields.map((f) => [f, [{}]]))) }));
          jobs.push(send(op.method, template, { token, body: '{"a":', headers: {} }));
          jobs.push(send(op.method, template, { token, body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
        }
      }
      await Promise.all(jobs);
    }
    console.log(`route fuzzer: ${sent} requests over ${ops.length} operations, ${failures.length} answered 5xx`);
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(200);
  }, 240_000);
});
