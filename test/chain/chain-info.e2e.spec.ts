import { JsonRpcProvider } from 'ethers';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fanmesh/config';
import type { ChainInfoView } from '@fanmesh/protocol';
import { RunningApp, startApp } from '../support/app';

describe('GET /chain: what anyone needs to check the platform on chain', () => {
  const apps: RunningApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  it('publishes the embedded chain: its id, its own RPC (on this machine), the explorer set, the contracts, and what a wallet adds', async () => {
    const api = await startApp('chain-info', { services: 'embedded', env: { CHAIN_EMBEDDED: 'on', CHAIN_EXPLORER_URL: 'https://explorer.example' } });
    apps.push(api);
    const info = (await request(api.url).get('/api/v1/chain').expect(200)).body as ChainInfoView;
    expect(info).toMatchObject({ enabled: true, kind: 'embedded', chainId: 31337, rpcScope: 'this_machine', explorerUrl: 'https://explorer.example' });
    expect(info.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(info.contracts!).sort()).toEqual(['DeviceRegistry', 'FanToken', 'MomentAttestor', 'PollAttestor', 'RewardDistributor']);
    expect(info.addEthereumChain).toEqual({
      chainId: '0x7a69',
      chainName: info.name,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: [info.rpcUrl],
      blockExplorerUrls: ['https://explorer.example'],
    });
    // the published RPC answers, for that chain, with the contracts' code at the published addresses
    const rpc = new JsonRpcProvider(info.rpcUrl!, undefined, { staticNetwork: true });
    try {
      expect(Number((await rpc.getNetwork()).chainId)).toBe(info.chainId);
      for (const address of Object.values(info.contracts!)) expect((await rpc.getCode(address)).length).toBeGreaterThan(2);
    } finally {
      rpc.destroy();
    }
  }, 60_000);

  it('says there is no chain when the API runs without one, and refuses a bad explorer URL at start-up', async () => {
    const api = await startApp('chain-info-off', { services: 'embedded' });
    apps.push(api);
    expect((await request(api.url).get('/api/v1/chain').expect(200)).body).toEqual({
      enabled: false,
      kind: 'off',
      chainId: null,
      name: null,
      nativeCurrency: null,
      rpcUrl: null,
      rpcScope: null,
      explorerUrl: null,
      contracts: null,
      addEthereumChain: null,
    });
    await expect(startApp('chain-info-bad', { services: 'embedded', env: { CHAIN_EXPLORER_URL: 'ftp://x' } })).rejects.toThrow(/CHAIN_EXPLORER_URL/);
  }, 60_000);
});

describe('the RPC URL and explorer GET /chain may publish', () => {
  it('never publishes CHAIN_RPC_URL (it may carry a provider key): CHAIN_PUBLIC_RPC_URL, else a named network’s public RPC, else none', () => {
    const privateUrl = 'https://rpc.provider.example/v2/secret-key';
    expect(loadConfig({ CHAIN_RPC_URL: privateUrl, CHAIN_NETWORK: 'chiliz' }).chainPublic).toEqual({ rpcUrl: 'https://rpc.chiliz.com', explorerUrl: 'https://scan.chiliz.com' });
    expect(loadConfig({ CHAIN_RPC_URL: privateUrl, CHAIN_ID: '424242' }).chainPublic).toEqual({ rpcUrl: undefined, explorerUrl: undefined });
    expect(
      loadConfig({ CHAIN_RPC_URL: privateUrl, CHAIN_NETWORK: 'spicy', CHAIN_PUBLIC_RPC_URL: 'https://rpc.example', CHAIN_EXPLORER_URL: 'https://scan.example' }).chainPublic,
    ).toEqual({
      rpcUrl: 'https://rpc.example',
      explorerUrl: 'https://scan.example',
    });
  });
});
