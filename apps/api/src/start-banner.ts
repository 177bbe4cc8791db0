import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '@fanmesh/config';
import { IdentityService, InvitesService } from '@fanmesh/identity';

/**
 * What a person needs after `npm start`, in a few lines: where the app, the venue console and the
 * docs are, who the admin is, where the data lives. The structured logs stay JSON for machines.
 */
export async function startBanner(app: INestApplication, config: AppConfig): Promise<string> {
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
  const services = [
    config.db.kind === 'postgres' ? 'Postgres' : 'embedded Postgres',
    config.bus.kind === 'redis' ? 'Redis bus' : 'in-process bus',
    config.chain.kind === 'rpc' ? `chain at ${new URL(config.chain.rpcUrl).host}` : config.chain.kind === 'embedded' ? 'embedded chain' : 'no chain',
  ];
  const firstRun = await app
    .get(InvitesService)
    .operatorInvite()
    .catch(() => undefined);
  const admin = app.get(IdentityService).operatorAdmin;
  const adminLine = config.adminAddress
    ? `${config.adminAddress} (ADMIN_ADDRESS)`
    : admin
      ? `${admin} (the data folder's key, which npm run sim signs in with)`
      : 'none: set ADMIN_ADDRESS';
  const rows: [string, string][] = [
    ['App', `${url}/`],
    ['Venue console', `${url}/venue${firstRun?.open ? '   first run: open it on this machine to become its admin' : ''}`],
  ];
  if (config.edge.apiDocs !== 'off') rows.push(['API docs', `${url}/api/docs${config.edge.apiDocs === 'admin' ? ' (admins)' : ''}  (OpenAPI JSON: /api/docs/openapi.json)`]);
  rows.push(
    ['Health', `${url}/health`],
    ['Admin', adminLine],
    ['Data folder', config.db.kind === 'pglite' || config.chain.kind === 'embedded' ? config.dataDir : `${config.dataDir} (keys only)`],
    ['Services', services.join(' · ')],
    ['Logs', config.env === 'production' ? `JSON at ${config.logLevel}` : `JSON at ${config.logLevel}; requests at debug (LOG_LEVEL=debug shows them)`],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['', '  FanMesh is running', '', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), '', '  Ctrl-C stops it.', ''].join('\n');
}
