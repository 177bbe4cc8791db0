import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RunningApp, startApp } from '../support/app';

const apps: RunningApp[] = [];
afterAll(() => Promise.all(apps.map((a) => a.close())));

describe('health, docs, metrics and the websocket', () => {
  it('is healthy on real Postgres and Redis', async () => {
    const api = await startApp('health');
    apps.push(api);
    const res = await request(api.url).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.db).toMatchObject({ status: 'up', kind: 'postgres' });
    expect(res.body.details.bus).toMatchObject({ status: 'up', kind: 'redis' });
    expect(res.body.details.chain.status).toBe('up');
  });

  it('is healthy on embedded defaults (PGlite, in-process bus)', async () => {
    const api = await startApp('health-embedded', { services: 'embedded' });
    apps.push(api);
    const res = await request(api.url).get('/health').expect(200);
    expect(res.body.details.db).toMatchObject({ status: 'up', kind: 'pglite' });
    expect(res.body.details.bus).toMatchObject({ status: 'up', kind: 'memory' });
  });

  it('reports 503 naming the database when it goes away', async () => {
    const api = await startApp('health-down', { services: 'embedded' });
    const ds = api.app.get((await import('typeorm')).DataSource);
    await ds.destroy();
    const res = await request(api.url).get('/health').expect(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.db.status).toBe('down');
    await api.close().catch(() => undefined);
  });

  it('serves OpenAPI and Prometheus metrics', async () => {
    const api = apps[0];
    const doc = await request(api.url).get('/api/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/venues', '/api/v1/events/{eventId}/transitions']));
    await request(api.url).get('/api/docs').redirects(1).expect(200);
    await request(api.url).get('/api/v1/events').expect(200);
    const metrics = await request(api.url).get('/metrics').expect(200);
    expect(metrics.text).toContain('fanmesh_http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/route="\/api\/v1\/events"/);
  });

  it('answers a websocket ping, and a bad frame gets an error frame without closing', async () => {
    const api = apps[0];
    const ws = new WebSocket(api.url.replace('http', 'ws') + '/ws');
    const frames: Record<string, unknown>[] = [];
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const next = () => new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.send('{not json');
    frames.push(await next());
    ws.send(JSON.stringify({ type: 'dance' }));
    frames.push(await next());
    ws.send('x'.repeat(20_000));
    frames.push(await next());
    ws.send(JSON.stringify({ type: 'ping', id: 7 }));
    frames.push(await next());
    expect(frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(['malformed_frame', 'unknown_type', 'frame_too_large', 'pong']);
    expect(frames[3].id).toBe(7);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
