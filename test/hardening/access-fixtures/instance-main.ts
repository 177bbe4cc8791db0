// A whole API instance in a child process, so a spec can SIGKILL it mid-request (no graceful
// shutdown, no finally blocks). Started by test/hardening/access-claims.e2e.spec.ts with its
// environment as JSON in argv[2]; prints `listening <url>` once it serves.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@fanmesh/config';
import { createApp } from '../../../apps/api/src/app';

async function main(): Promise<void> {
  const env = JSON.parse(process.argv[2]) as Record<string, string>;
  const app = await createApp(loadConfig(env));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
