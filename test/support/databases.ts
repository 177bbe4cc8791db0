import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { inject } from 'vitest';

/** A fresh, empty Postgres database for one spec; dropped by the global teardown. */
export async function createTestDatabase(label: string): Promise<string> {
  const base = inject('testDatabaseUrl');
  const name = `fanmesh_t_${inject('testRunId')}_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh folder for an embedded (PGlite) data directory. */
export function createTempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `fanmesh-${label}-`));
}

export const testRedisUrl = () => inject('testRedisUrl');
