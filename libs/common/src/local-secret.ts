import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A secret for embedded defaults only: made once with `make`, kept (mode 0600) in the data folder so
 * it survives restarts. Production sets every secret in the environment instead.
 */
export function localSecret(dataDir: string, name: string, make: () => string = () => randomBytes(32).toString('base64url')): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = make();
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim(); // another instance won
    throw err;
  }
  chmodSync(file, 0o600);
  return secret;
}
