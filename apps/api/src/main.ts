import 'reflect-metadata';
import { ConfigError, loadConfig } from '@fanmesh/config';
import { createApp } from './app';
import { startBanner } from './start-banner';

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
  try {
    await app.listen(config.port, config.host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `FanMesh cannot start: port ${config.port} on ${config.host} is in use (another FanMesh, or another program).\n` +
          `Stop it, or start on another port: PORT=${config.port + 1} npm start`,
      );
      await app.close().catch(() => undefined);
      process.exit(1);
    }
    throw err;
  }
  console.log(await startBanner(app, config));
}

main().catch((err: Error) => {
  console.error(`FanMesh failed to start: ${err.message}`);
  process.exit(1);
});
