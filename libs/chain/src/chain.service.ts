import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Contract, JsonRpcProvider, Signer, Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, chainPresets } from '@fanmesh/config';
import { isEmbedded } from '@fanmesh/db';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '@fanmesh/contracts';
import { Anvil, anvilDevKey, startAnvil } from './anvil';
import { deployAll, Deployment, deployStandalone, STANDALONE } from './deploy';
import { OutboxIntent, OutboxSender } from './outbox';

const DEPLOY_LOCK = 0x46414e43; // 'FANC'
const OUTBOX_LOCK = 0x46414e4f; // 'FANO': one sender across instances

export class ChainStartError extends Error {}

/**
 * The chain: an embedded anvil (state under the data folder) by default, or CHAIN_RPC_URL. Deploys
 * the contracts on first boot, records their addresses in the database, and at every later boot
 * checks that the chain still has code at those addresses, so database and chain cannot drift apart.
 */
@Injectable()
export class ChainService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChainService.name);
  private anvil?: Anvil;
  provider?: JsonRpcProvider;
  signer?: Signer;
  chainId?: number;
  deployment?: Deployment;
  sender?: OutboxSender;
  private leader?: import('typeorm').QueryRunner;
  private electTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ds: DataSource,
  ) {}

  get enabled(): boolean {
    return this.config.chain.kind !== 'off';
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.start();
    } catch (err) {
      // A failed boot must not leave an orphaned anvil behind.
      this.provider?.destroy();
      await this.anvil?.stop();
      throw err;
    }
  }

  private async start(): Promise<void> {
    const chain = this.config.chain;
    if (chain.kind === 'off') return;
    if (chain.kind === 'embedded') {
      this.anvil = await startAnvil({ stateDir: chain.stateDir });
      this.provider = new JsonRpcProvider(this.anvil.rpcUrl, this.anvil.chainId, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 });
      this.signer = new Wallet(anvilDevKey(0), this.provider);
    } else {
      const preset = chain.network === 'custom' ? undefined : chainPresets[chain.network];
      this.provider = new JsonRpcProvider(chain.rpcUrl, preset?.chainId, preset ? { staticNetwork: true, cacheTimeout: -1 } : { cacheTimeout: -1 });
      if (chain.privateKey) this.signer = new Wallet(chain.privateKey, this.provider);
    }
    try {
      this.chainId = Number((await this.provider.getNetwork()).chainId);
    } catch (err) {
      throw new ChainStartError(`cannot reach the chain at ${chain.kind === 'rpc' ? 'CHAIN_RPC_URL' : 'the embedded anvil'}: ${(err as Error).message}`);
    }
    this.deployment = await this.ensureDeployed();
    this.logger.log({ chainId: this.chainId, ...this.deployment }, 'chain ready');
    if (this.signer instanceof Wallet) await this.electSender(this.signer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.electTimer) clearTimeout(this.electTimer);
    await this.sender?.stop();
    await this.leader?.release().catch(() => undefined);
    this.provider?.destroy();
    await this.anvil?.stop();
  }

  /** Queues a transaction; it is sent once, in order, surviving crashes and RPC outages. */
  async enqueue(intent: OutboxIntent): Promise<void> {
    await OutboxSender.enqueue(this.ds, intent);
  }

  /** Only one instance sends (nonces are per account): the holder of a Postgres advisory lock. */
  private async electSender(wallet: Wallet): Promise<void> {
    if (!isEmbedded(this.ds)) {
      const runner = this.leader ?? this.ds.createQueryRunner();
      const [{ ok }] = await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [OUTBOX_LOCK]);
      if (!ok) {
        this.leader = runner;
        this.electTimer = setTimeout(() => void this.electSender(wallet).catch(() => undefined), 5000);
        return;
      }
      this.leader = runner;
    }
    this.sender = new OutboxSender(this.ds, this.provider!, wallet);
    this.sender.start();
    this.logger.log('this instance sends the outbox');
  }

  contract(name: keyof Deployment): Contract {
    if (!this.deployment || !this.provider) throw new Error('the chain is not enabled');
    const abi = { FanToken, RewardDistributor, MomentAttestor, DeviceRegistry, PollAttestor }[name].abi;
    return new Contract(this.deployment[name], abi as never, this.signer ?? this.provider);
  }

  async status(): Promise<Record<string, unknown>> {
    if (!this.provider) return { kind: 'off' };
    const block = await this.provider.getBlockNumber();
    return {
      kind: this.config.chain.kind,
      chainId: this.chainId,
      block,
      contracts: this.deployment ? Object.keys(this.deployment).length : 0,
      outboxBacklog: await OutboxSender.backlog(this.ds),
      outboxSender: this.sender ? 'this instance' : 'another instance',
    };
  }

  private async ensureDeployed(): Promise<Deployment> {
    const lock = isEmbedded(this.ds) ? undefined : this.ds.createQueryRunner();
    try {
      // Two instances booting on an empty database must not both deploy.
      if (lock) await lock.query('SELECT pg_advisory_lock($1)', [DEPLOY_LOCK]);
      const rows: { name: keyof Deployment; address: string }[] = await this.ds.query(`SELECT name, address FROM chain_contracts WHERE chain_id = $1`, [this.chainId]);
      if (rows.length) {
        const deployment = Object.fromEntries(rows.map((r) => [r.name, r.address])) as unknown as Deployment;
        for (const r of rows) {
          if ((await this.provider!.getCode(r.address)) === '0x') {
            throw new ChainStartError(
              `the chain does not match the database: ${r.name} was deployed at ${r.address} on chain ${this.chainId}, but there is no code there now. ` +
                (this.config.chain.kind === 'embedded'
                  ? `The embedded chain state (${this.config.chain.stateDir}/anvil.json) was lost or replaced; restore it, or delete ${this.config.dataDir} to start over with empty data.`
                  : 'Point CHAIN_RPC_URL at the chain this database was deployed to.'),
            );
          }
        }
        for (const name of STANDALONE.filter((k) => !deployment[k])) {
          // A data folder from before this contract existed: add it rather than ask for a fresh chain.
          if (!this.signer) throw new ChainStartError(`${name} is not deployed on this chain and there is no CHAIN_PRIVATE_KEY to deploy it with.`);
          deployment[name] = await deployStandalone(this.signer, name);
          await this.ds.query(`INSERT INTO chain_contracts (chain_id, name, address) VALUES ($1, $2, $3)`, [this.chainId, name, deployment[name]]);
          this.logger.log({ chainId: this.chainId, name, address: deployment[name] }, 'contract added to an existing deployment');
        }
        return deployment;
      }
      if (!this.signer) throw new ChainStartError('no contracts are deployed on this chain and there is no CHAIN_PRIVATE_KEY to deploy them with.');
      const deployment = await deployAll(this.signer);
      await this.ds.query(`INSERT INTO chain_contracts (chain_id, name, address) SELECT $1, n, a FROM unnest($2::text[], $3::text[]) AS u(n, a)`, [
        this.chainId,
        Object.keys(deployment),
        Object.values(deployment),
      ]);
      this.logger.log({ chainId: this.chainId }, 'contracts deployed');
      return deployment;
    } finally {
      if (lock) {
        await lock.query('SELECT pg_advisory_unlock($1)', [DEPLOY_LOCK]).catch(() => undefined);
        await lock.release();
      }
    }
  }
}
