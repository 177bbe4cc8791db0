import 'reflect-metadata';
import { ConfigError, loadConfig } from '@fanmesh/config';
import { createApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const modes = [
    config.db.kind === 'postgres' ? 'Postgres' : `embedded Postgres in ${config.db.dir}`,
    config.bus.kind === 'redis' ? 'Redis bus' : 'in-process bus',
    config.chain.kind === 'rpc' ? `chain at ${new URL(config.chain.rpcUrl).host}` : config.chain.kind === 'embedded' ? 'embedded chain' : 'no chain',
  ];
  console.log(`\nFanMesh is running: ${url}  (API docs: ${url}/api/docs, health: ${url}/health)\n  ${modes.join(' · ')}\n  Ctrl-C stops it.\n`);
}

main().catch((err: Error) => {
  console.error(`FanMesh failed to start: ${err.message}`);
  process.exit(1);
});
