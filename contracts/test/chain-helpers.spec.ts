import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, Wallet, computeAddress, keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { ANVIL_DEV_KEYS, anvilDevKey, freePort, startAnvil } from '../../libs/chain/src/anvil';
import { connectContracts, momentCommitment, ROLES } from '../../libs/chain/src/contracts';
import { DEFAULT_CAP, deployAll } from '../../libs/chain/src/deploy';
import { receiptOf } from '@fanmesh/chain';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const providerFor = (rpcUrl: string, chainId: number) => new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, pollingInterval: 10, cacheTimeout: -1, batchMaxCount: 1 });

describe('libs/chain anvil helper', () => {
  it('starts anvil on a free port with funded dev accounts, and stops it', async () => {
    const anvil = await startAnvil();
    const provider = providerFor(anvil.rpcUrl, anvil.chainId);
    try {
      expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
      expect(Number((await provider.getNetwork()).chainId)).toBe(31337);
      expect(anvil.privateKeys).toHaveLength(10);
      expect(anvil.accounts[0]).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
      expect(anvil.accounts.map((a) => a)).toEqual(anvil.privateKeys.map((k) => computeAddress(k)));
      expect(await provider.getBalance(anvil.accounts[9])).toBeGreaterThan(0n);
    } finally {
      provider.destroy();
      await anvil.stop();
      await anvil.stop(); // idempotent
    }
    expect(anvil.process.exitCode !== null || anvil.process.signalCode !== null).toBe(true);
  });

  it('derives dev keys past the first ten', () => {
    expect(anvilDevKey(0)).toBe(ANVIL_DEV_KEYS[0]);
    expect(computeAddress(anvilDevKey(10))).toBe('0xBcd4042DE499D14e55001CcbB24a551F3b954096');
    expect(() => anvilDevKey(-1)).toThrow(RangeError);
  });

  it('keeps the chain in a state file across a restart (SIGTERM dumps it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanmesh-anvil-'));
    dirs.push(dir);
    const stateFile = join(dir, 'chain', 'anvil.json');
    let anvil = await startAnvil({ stateFile, chainId: 4242 });
    let provider = providerFor(anvil.rpcUrl, anvil.chainId);
    const admin = new Wallet(anvil.privateKeys[0], provider);
    const deployment = await deployAll(admin);
    const block = await provider.getBlockNumber();
    provider.destroy();
    await anvil.stop();

    anvil = await startAnvil({ stateFile, chainId: 4242 });
    provider = providerFor(anvil.rpcUrl, anvil.chainId);
    try {
      expect(anvil.stateFile).toBe(stateFile);
      expect(await provider.getBlockNumber()).toBeGreaterThanOrEqual(block);
      for (const address of Object.values(deployment)) expect(await provider.getCode(address)).not.toBe('0x');
      const { FanToken } = connectContracts(deployment, provider);
      expect(await FanToken.symbol()).toBe('FAN');
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });

  it('reports a port that is taken', async () => {
    const first = await startAnvil();
    try {
      await expect(startAnvil({ port: first.port, startTimeoutMs: 5_000 })).rejects.toThrow(/address already in use/);
    } finally {
      await first.stop();
    }
    expect(await freePort()).toBeGreaterThan(0);
  });
});

describe('libs/chain deployAll', () => {
  it('sets every role in the constructors: the admin administers, the operator operates, the deployer keeps nothing', async () => {
    const anvil = await startAnvil();
    const provider = providerFor(anvil.rpcUrl, anvil.chainId);
    try {
      const deployer = new NonceManager(new Wallet(anvil.privateKeys[0], provider));
      const admin = anvil.accounts[1];
      const operator = anvil.accounts[2];
      const receipts: string[] = [];
      const d = await deployAll(deployer, { admin, operator, cap: 10n ** 21n, onReceipt: (label) => receipts.push(label) });
      expect(new Set(Object.values(d)).size).toBe(5);
      // no wiring or hand-over transactions: the deployer never holds a role to pass on
      expect(receipts).toEqual(['deploy FanToken', 'deploy RewardDistributor', 'deploy MomentAttestor', 'deploy DeviceRegistry', 'deploy PollAttestor']);
      const c = connectContracts(d, provider);
      const deployerAddress = anvil.accounts[0];
      expect(await c.FanToken.cap()).toBe(10n ** 21n);
      expect(await c.FanToken.rewardsMinter()).toBe(d.RewardDistributor);
      expect(await c.FanToken.hasRole(ROLES.MINTER_ROLE, d.RewardDistributor)).toBe(true);
      expect(await c.RewardDistributor.funded()).toBe(0n); // funding is the admin's act, later
      expect(await c.RewardDistributor.token()).toBe(d.FanToken);
      for (const contract of [c.FanToken, c.RewardDistributor, c.MomentAttestor, c.DeviceRegistry, c.PollAttestor]) {
        expect(await contract.defaultAdmin()).toBe(admin);
        expect(await contract.hasRole(ROLES.DEFAULT_ADMIN_ROLE, deployerAddress)).toBe(false);
        expect(await contract.hasRole(ROLES.DEFAULT_ADMIN_ROLE, operator)).toBe(false);
      }
      expect(await c.RewardDistributor.hasRole(ROLES.OPERATOR_ROLE, operator)).toBe(true);
      expect(await c.MomentAttestor.hasRole(ROLES.ATTESTER_ROLE, operator)).toBe(true);
      expect(await c.PollAttestor.hasRole(ROLES.ATTESTER_ROLE, operator)).toBe(true);
      expect(await c.DeviceRegistry.hasRole(ROLES.OPERATOR_ROLE, operator)).toBe(true);
      expect(await c.RewardDistributor.hasRole(ROLES.OPERATOR_ROLE, deployerAddress)).toBe(false);
      expect(await c.FanToken.hasRole(ROLES.MINTER_ROLE, deployerAddress)).toBe(false);
      // funding at deploy needs the admin's key: a deployer that is not the admin cannot
      await expect(deployAll(deployer, { admin, operator, fund: 1n })).rejects.toThrow(/funding is the admin's/);
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });

  it('defaults to the deployer for every role, and funds only what it is told to', async () => {
    const anvil = await startAnvil();
    const provider = providerFor(anvil.rpcUrl, anvil.chainId);
    try {
      const d = await deployAll(new Wallet(anvil.privateKeys[0], provider), { fund: DEFAULT_CAP });
      const c = connectContracts(d, provider);
      expect(await c.FanToken.cap()).toBe(DEFAULT_CAP);
      expect(await c.RewardDistributor.funded()).toBe(DEFAULT_CAP);
      expect(await c.RewardDistributor.hasRole(ROLES.OPERATOR_ROLE, anvil.accounts[0])).toBe(true);
      expect(await c.RewardDistributor.defaultAdmin()).toBe(anvil.accounts[0]);
      const m = { momentId: keccak256(toUtf8Bytes('m')), eventId: keccak256(toUtf8Bytes('e')), kind: 1, timestamp: 1n, attendance: 2, evidenceRoot: keccak256(toUtf8Bytes('r')) };
      expect(await c.MomentAttestor.commitment(m)).toBe(momentCommitment(m));
      const unfunded = connectContracts(await deployAll(new Wallet(anvil.privateKeys[0], provider)), provider);
      expect(await unfunded.RewardDistributor.funded()).toBe(0n);
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });
});

describe('receiptOf', () => {
  it('returns every receipt of a burst of sends, and says when a transaction is never mined', async () => {
    const anvil = await startAnvil();
    const provider = providerFor(anvil.rpcUrl, anvil.chainId);
    try {
      const sender = new NonceManager(new Wallet(anvil.privateKeys[0], provider));
      const sent = await Promise.all(Array.from({ length: 50 }, () => sender.sendTransaction({ to: anvil.accounts[1], value: 1n })));
      const receipts = await Promise.all(sent.map((tx) => receiptOf(tx)));
      expect(receipts.map((r) => [r.hash, r.status])).toEqual(sent.map((tx) => [tx.hash, 1]));
      await expect(receiptOf({ hash: keccak256(toUtf8Bytes('never sent')), provider }, 200)).rejects.toThrow(/was not mined within 0.2 s/);
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });
});
