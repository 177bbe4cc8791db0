import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApp, startApp } from '../support/app';

type Parameter = { name: string; in: string; required?: boolean; schema?: { type?: string; format?: string; pattern?: string } };
type Operation = { parameters?: Parameter[]; security?: Record<string, string[]>[] };

/** Issue 19: the OpenAPI document declares every path parameter, with its rule, and the scheme each route takes. */
describe('the OpenAPI document', () => {
  let api: RunningApp;
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    api = await startApp('openapi');
    doc = (await request(api.url).get('/api/docs/openapi.json').expect(200)).body;
  }, 60_000);
  afterAll(() => api?.close());

  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  it('declares every templated path parameter as a required path parameter', () => {
    const missing: string[] = [];
    let templated = 0;
    for (const { path, method, op } of operations()) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      if (names.length) templated++;
      for (const name of names) {
        const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
        if (!p?.required || p.schema?.type !== 'string') missing.push(`${method.toUpperCase()} ${path} {${name}}`);
      }
    }
    expect(templated).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it('gives each parameter the rule the route validates it with (UUIDs, 0x addresses)', () => {
    const param = (path: string, method: string, name: string) => doc.paths[path][method].parameters!.find((p) => p.name === name)!;
    expect(param('/api/v1/devices/{address}/revoke', 'post', 'address').schema).toMatchObject({ pattern: expect.stringContaining('0x') });
    expect(param('/api/v1/drops/{dropId}', 'get', 'dropId').schema).toMatchObject({ format: 'uuid' });
    expect(param('/api/v1/venues/{venueId}/roles', 'get', 'venueId').schema).toMatchObject({ format: 'uuid' });
  });

  it('lists bearer and sponsor key as alternatives where a sponsor may call, bearer alone elsewhere, nothing on public routes', () => {
    const schemes = (op: Operation) => (op.security ?? []).map((s) => Object.keys(s).join('+')).sort();
    const sponsorRoutes = operations().filter(({ op }) => schemes(op).includes('sponsor-key'));
    expect(sponsorRoutes.length).toBeGreaterThan(3);
    for (const { op } of sponsorRoutes) expect(schemes(op)).toEqual(['bearer', 'sponsor-key']);
    expect(schemes(doc.paths['/api/v1/auth/nonce'].post)).toEqual([]);
    expect(schemes(doc.paths['/api/v1/devices/mine'].get)).toEqual(['bearer']);
  });
});
