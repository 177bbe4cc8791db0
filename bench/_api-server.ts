// Runs one API instance in its own process for benchmarks; reports its port over IPC.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../libs/config/src';
import { createApp } from '../apps/api/src/app';
import { TokenService } from '../libs/identity/src';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', CHAIN_EMBEDDED: 'off' });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const tokens = app.get(TokenService);
  process.on('message', async (m: { cmd: string; principal?: never; id?: number }) => {
    if (m.cmd === 'token') process.send!({ type: 'token', id: m.id, token: (await tokens.issue(m.principal!)).token });
    if (m.cmd === 'mem') process.send!({ type: 'mem', rss: process.memoryUsage().rss });
    if (m.cmd === 'exit') await app.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
