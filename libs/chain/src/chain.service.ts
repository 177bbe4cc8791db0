import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Contract, formatUnits, JsonRpcProvider, parseUnits, Signer, Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, chainPresets } from '@fanmesh/config';
import { advisoryLocks, isEmbedded, Queryable } from '@fanmesh/db';
import { DeviceRegistry, FanToken, MomentAttestor, PollAttestor, RewardDistributor } from '@fanmesh/contracts';
import type { ChainInfoView } from '@fanmesh/protocol';
import { Anvil, anvilDevKey, EMBEDDED_ADMIN_INDEX, startAnvil } from './anvil';
import { DEFAULT_CAP, deployAll, Deployment, deployStandalone, STANDALONE } from './deploy';
import { DEFAULT_EMISSION, EmissionSchedule } from './emission';
import { adminPowersOf } from './roles';
import { ChainContractsRepository } from './chain-contracts.repository';
import { OutboxIntent, OutboxRow, OutboxSender } from './outbox';

const DEPLOY_LOCK = 0x46414e43; // 'FANC'
const OUTBOX_LOCK = 0x46414e4f; // 'FANO': one sender across instances

export class ChainStartError extends Error {}

/**
 * The chain: an embedded anvil (state under the data folder) by default, or CHAIN_RPC_URL. Deploys
 * the contracts on first boot, records their addresses in the database, and at every later boot
 * checks that the chain still has code at those addresses, so database and chain cannot drift apart.
 *
 * Roles: the signer (CHAIN_PRIVATE_KEY; anvil account #0 on the embedded chain) is the hot key the
 * API sends with, and holds only OPERATOR_ROLE / ATTESTER_ROLE. The admin of every contract is
 * ADMIN_ADDRESS (a multisig in production) on a real chain, and on the embedded chain a dev account
 * the embedded stack holds ({@link EMBEDDED_ADMIN_INDEX}), which deploys and funds there. Production
 * refuses to start while the hot key holds any admin role.
 */
@Injectable()
export class ChainService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChainService.name);
  private anvil?: Anvil;
  provider?: JsonRpcProvider;
  signer?: Signer;
  /** The embedded chain's admin (never the signer); undefined on a real chain, whose admin the API never holds. */
  private embeddedAdmin?: Wallet;
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
      this.embeddedAdmin = new Wallet(anvilDevKey(EMBEDDED_ADMIN_INDEX), this.provider);
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
    await this.auditHotKey();
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

  /** Frees failed intents' keys so the same intents can be queued again, in `db` when given (see OutboxSender.releaseFailed). */
  releaseFailed(idempotencyKeys: string[], db?: Queryable): Promise<number> {
    return OutboxSender.releaseFailed(db ?? this.ds, idempotencyKeys);
  }

  /** Where a queued intent stands (pending, sent, confirmed or failed, with the chain's error); undefined when nothing was queued under the key. */
  intentStatus(idempotencyKey: string): Promise<Pick<OutboxRow, 'status' | 'lastError' | 'blockNumber'> | undefined> {
    return OutboxSender.intent(this.ds, idempotencyKey);
  }

  /** Only one instance sends (nonces are per account): the holder of a Postgres advisory lock. */
  private async electSender(wallet: Wallet): Promise<void> {
    if (!isEmbedded(this.ds)) {
      const runner = this.leader ?? this.ds.createQueryRunner();
      if (!(await advisoryLocks.tryLock(runner, OUTBOX_LOCK))) {
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

  /**
   * What anyone may know to check the platform on chain (GET /chain): the chain, an RPC URL that may
   * be published (never CHAIN_RPC_URL itself: it may carry a provider key), the explorer and the
   * contracts. On the embedded chain the RPC is anvil's own, on the loopback interface.
   */
  info(): ChainInfoView {
    const chain = this.config.chain;
    if (chain.kind === 'off' || this.chainId === undefined) {
      return {
        enabled: false,
        kind: chain.kind,
        chainId: null,
        name: null,
        nativeCurrency: null,
        rpcUrl: null,
        rpcScope: null,
        explorerUrl: null,
        contracts: null,
        addEthereumChain: null,
      };
    }
    const preset = chain.kind === 'rpc' && chain.network !== 'custom' ? chainPresets[chain.network] : undefined;
    const name = preset?.name ?? (chain.kind === 'embedded' ? 'FanMesh local chain' : `FanMesh chain ${this.chainId}`);
    const nativeCurrency = { name: preset?.currency ?? 'Ether', symbol: preset?.currency ?? 'ETH', decimals: 18 };
    const rpcUrl = this.config.chainPublic.rpcUrl ?? this.anvil?.rpcUrl ?? null;
    const explorerUrl = this.config.chainPublic.explorerUrl ?? null;
    const loopback = rpcUrl ? /^(localhost|127(\.\d+){3}|\[::1\])$/i.test(new URL(rpcUrl).hostname) : false;
    return {
      enabled: true,
      kind: chain.kind,
      chainId: this.chainId,
      name,
      nativeCurrency,
      rpcUrl,
      rpcScope: rpcUrl ? (loopback ? 'this_machine' : 'public') : null,
      explorerUrl,
      contracts: this.deployment ? { ...this.deployment } : null,
      addEthereumChain: rpcUrl
        ? { chainId: '0x' + this.chainId.toString(16), chainName: name, nativeCurrency, rpcUrls: [rpcUrl], ...(explorerUrl ? { blockExplorerUrls: [explorerUrl] } : {}) }
        : null,
    };
  }

  async status(): Promise<Record<string, unknown>> {
    if (!this.provider) return { kind: 'off' };
    const block = await this.provider.getBlockNumber();
    return {
      kind: this.config.chain.kind,
      chainId: this.chainId,
      block,
      contracts: this.deployment ? Object.keys(this.deployment).length : 0,
      // public facts (the claim API names the distributor too); `npm run chain` reads them from here
      addresses: this.deployment,
      ...(this.anvil ? { rpcUrl: this.anvil.rpcUrl } : {}),
      outboxBacklog: await OutboxSender.backlog(this.ds),
      outboxSender: this.sender ? 'this instance' : 'another instance',
    };
  }

  /**
   * Who deploys and who gets which role. Embedded: the stack's dev admin deploys (and funds), the hot
   * key operates. A real chain: the hot key deploys, ADMIN_ADDRESS administers; never the same account.
   */
  private async deployRoles(why: string): Promise<{ signer: Signer; admin: string; operator: string }> {
    const operator = await this.signer!.getAddress();
    if (this.embeddedAdmin) return { signer: this.embeddedAdmin, admin: this.embeddedAdmin.address, operator };
    const admin = this.config.adminAddress;
    if (!admin) {
      throw new ChainStartError(
        `${why}, and ADMIN_ADDRESS is not set: set it to the account that will administer the contracts (a multisig in production; it funds rewards and grants roles), then start again. CHAIN_PRIVATE_KEY (${operator}) only operates them.`,
      );
    }
    if (admin.toLowerCase() === operator.toLowerCase()) {
      throw new ChainStartError(
        `${why}, and ADMIN_ADDRESS is CHAIN_PRIVATE_KEY's own account (${operator}): the API's hot key must not administer the contracts. Set ADMIN_ADDRESS to a separate account (a multisig in production), then start again.`,
      );
    }
    return { signer: this.signer!, admin, operator };
  }

  /**
   * The hot key must hold no admin role: with one, whoever steals it grants itself MINTER_ROLE and
   * mints up to the cap. Production refuses to start so; elsewhere (old dev data folders) a warning.
   */
  private async auditHotKey(): Promise<void> {
    if (!this.signer || !this.deployment) return;
    const hot = await this.signer.getAddress();
    const powers = await adminPowersOf(this.deployment, this.provider!, hot);
    if (!powers.length) return;
    const held = powers.map((p) => `${p.role} on ${p.contract} (${p.address})`).join('; ');
    const admin = this.config.adminAddress ?? '<ADMIN_ADDRESS>';
    const named = JSON.stringify(Object.fromEntries(powers.map((p) => [p.contract, p.address])));
    const problem =
      `the API's hot key (${this.config.chain.kind === 'rpc' ? 'CHAIN_PRIVATE_KEY' : 'the embedded signer'}, account ${hot}) holds ${held}. ` +
      'It must hold only OPERATOR_ROLE and ATTESTER_ROLE: with an admin role, whoever steals it can grant itself MINTER_ROLE and mint up to the cap.';
    const fix =
      ` Move the admin role to ADMIN_ADDRESS: \`npm run chain -- transfer-admin --to ${admin} --rpc <CHAIN_RPC_URL> --deployment '${named}'\` prints the transactions for this key to sign ` +
      `(then ADMIN_ADDRESS accepts after the delay: \`npm run chain -- accept-admin\`), and revoke any other admin role from it (revokeRole, signed by the admin); then start again.`;
    if (this.config.env === 'production') throw new ChainStartError(`refusing to start in production: ${problem}${fix}`);
    this.logger.warn({ hot, powers }, `${problem}${fix}`);
  }

  /**
   * The distributor's first schedule: EMISSION_* where set; otherwise, on a real chain,
   * {@link DEFAULT_EMISSION}, and on the embedded dev chain the whole cap each week (demos and tests
   * settle many epochs in one chain week; EMISSION_* bounds it there too).
   */
  private firstEmissionSchedule(): Partial<EmissionSchedule> {
    const set = this.config.emission;
    const fallback = this.config.chain.kind === 'rpc' ? DEFAULT_EMISSION : { weeklyFan: formatUnits(DEFAULT_CAP, 18), decayBps: 0, seasonWeeks: 1 };
    return {
      weekly: parseUnits(set.weeklyFan ?? fallback.weeklyFan, 18),
      decayBps: set.decayBps ?? fallback.decayBps,
      seasonWeeks: set.seasonWeeks ?? fallback.seasonWeeks,
      ...(set.start !== undefined ? { start: BigInt(set.start) } : {}),
    };
  }

  private async ensureDeployed(): Promise<Deployment> {
    const lock = isEmbedded(this.ds) ? undefined : this.ds.createQueryRunner();
    try {
      // Two instances booting on an empty database must not both deploy.
      if (lock) await advisoryLocks.lock(lock, DEPLOY_LOCK);
      const contracts = new ChainContractsRepository(this.ds);
      const rows = await contracts.deployedOn(this.chainId!);
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
          const { signer, admin, operator } = await this.deployRoles(`${name} is not deployed on chain ${this.chainId} yet`);
          deployment[name] = await deployStandalone(signer, name, { admin, operator });
          await contracts.add(this.chainId!, name, deployment[name]);
          this.logger.log({ chainId: this.chainId, name, address: deployment[name] }, 'contract added to an existing deployment');
        }
        return deployment;
      }
      if (!this.signer) throw new ChainStartError('no contracts are deployed on this chain and there is no CHAIN_PRIVATE_KEY to deploy them with.');
      const { signer, admin, operator } = await this.deployRoles(`no contracts are deployed on chain ${this.chainId} yet`);
      // The embedded chain's admin funds the whole cap (a dev chain: nothing to approve). On a real
      // chain the admin funds an approved amount later (`npm run chain -- fund`); settlement waits.
      const emission = this.firstEmissionSchedule();
      const deployment = await deployAll(signer, { admin, operator, fund: this.embeddedAdmin ? DEFAULT_CAP : 0n, emission });
      await contracts.addAll(this.chainId!, deployment);
      this.logger.log(
        {
          chainId: this.chainId,
          admin,
          operator,
          emission: { weeklyFan: formatUnits(emission.weekly!, 18), decayBps: emission.decayBps, seasonWeeks: emission.seasonWeeks, start: emission.start?.toString() },
        },
        'contracts deployed',
      );
      return deployment;
    } finally {
      if (lock) {
        await advisoryLocks.unlock(lock, DEPLOY_LOCK).catch(() => undefined);
        await lock.release();
      }
    }
  }
}
