import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fanmesh/config';

type Service = { environment?: Record<string, string>; ports?: string[]; expose?: string[] };
const compose = load(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };

/** What an operator's .env holds (fresh values, none of them a well-known dev key). */
const DOT_ENV: Record<string, string> = {
  CHAIN_PRIVATE_KEY: '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63',
  AUTH_SECRET: 'q8Jz0vX3rT6yN1wK4mB7pC2sL5dF9gH0jV3xZ6nQ',
  FEED_SECRET: 'Zr4Lx9Qe2Wn7Ty1Uk5Ob8Ia3Ps6Dm0Gf4Hj7Kc2Vb9',
  ADMIN_ADDRESS: '0x00000000000000000000000000000000000000a1',
  PUBLIC_ORIGIN: 'https://fans.example.com',
  TICKET_ISSUER_KEY: '0x0b3c1c4a6a2f5e5a4f7d8e9c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b',
};

/** Compose's `${NAME:-default}` and `${NAME}` interpolation, as `docker compose` does it. */
function interpolate(env: Record<string, string>, dotEnv: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    out[k] = String(v).replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => dotEnv[name] || (fallback ?? ''));
  }
  return out;
}

function refusals(env: Record<string, string>): string[] {
  try {
    loadConfig(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

const apis = Object.entries(compose.services).filter(([name]) => name.startsWith('api-'));

/** Issue 19: docker-compose.yml sets everything production needs, and keeps the dev chain inside the stack. */
describe('docker-compose.yml, the production-shaped stack', () => {
  it('starts every API instance in production with an operator .env: nothing refused', () => {
    expect(apis.length).toBeGreaterThanOrEqual(2);
    for (const [, api] of apis) {
      const env = interpolate(api.environment ?? {}, DOT_ENV);
      expect(env.NODE_ENV).toBe('production');
      expect(refusals(env)).toEqual([]);
    }
  });

  it('names each secret the .env lacks: the API refuses to start and says which', () => {
    for (const name of ['AUTH_SECRET', 'FEED_SECRET', 'ADMIN_ADDRESS', 'TICKET_ISSUER_KEY', 'CHAIN_PRIVATE_KEY']) {
      const { [name]: _dropped, ...rest } = DOT_ENV;
      const problems = refusals(interpolate(apis[0][1].environment ?? {}, rest));
      expect(
        problems.some((p) => p.startsWith(`${name}:`)),
        `${name} missing: ${problems.join('; ')}`,
      ).toBe(true);
    }
  });

  it('publishes only the balancer: the dev chain, Postgres, Redis and the API instances are not reachable from outside the stack', () => {
    const published = Object.entries(compose.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(published).toEqual(['web']);
  });
});
