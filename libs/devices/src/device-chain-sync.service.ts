import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interface, Log } from 'ethers';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { ARTIFACTS, ChainService } from '@fanmesh/chain';
import { Job } from '@fanmesh/events';
import { RealtimeService } from '@fanmesh/realtime';
import { DeviceChainRepository, TransferRow } from './device-chain.repository';
import { DeviceRepository } from './device.repository';
import { deviceStatus } from './devices.mapper';

/** Blocks per eth_getLogs call (public RPCs cap the range) and calls per run, so one run stays short while a cursor catches up. */
const LOG_RANGE = 5_000;
const PAGES_PER_RUN = 20;
/** Blocks behind the head before an event is applied: none on the embedded chain, a few on a real one (reorgs). */
const CONFIRMATIONS = { embedded: 0, rpc: 3 } as const;

const registry = new Interface(ARTIFACTS.DeviceRegistry.abi as never);
const TRANSFERRED = registry.getEvent('DeviceTransferred')!.topicHash;
const REVOKED = registry.getEvent('DeviceRevoked')!.topicHash;

export const transferIntentKey = (device: string, nonce: number | string) => `device-transfer:${device}:${nonce}`;
export const revokeIntentKey = (device: string) => `device-revoke:${device}`;

/** Where the device stands on DeviceRegistry (deviceOf): owner lower case, zero address when unknown there. */
export interface RegistryDevice {
  owner: string;
  nonce: number;
  revoked: boolean;
}

/**
 * Keeps the devices context and DeviceRegistry in step, both ways. Out: owner-signed transfers go
 * to transferBySig and revocations to revoke, through the outbox (a crash between our commit and
 * the enqueue is healed here: intents are keyed, so enqueueing twice adds nothing). In: the
 * registry's DeviceTransferred and DeviceRevoked events are read from a block cursor stored in the
 * database and applied once each, so a transfer or revoke done on the registry directly shows here,
 * and a relayed transfer the registry refused is undone here.
 */
@Injectable()
export class DeviceChainSync {
  private readonly logger = new Logger(DeviceChainSync.name);
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly chain: ChainService,
    private readonly repo: DeviceChainRepository,
    private readonly devices: DeviceRepository,
    private readonly realtime: RealtimeService,
  ) {}

  get onChain(): boolean {
    return !!this.chain.deployment?.DeviceRegistry && !!this.chain.provider;
  }

  /** The device as the registry has it (a read at the head). */
  async registryDevice(address: string): Promise<RegistryDevice> {
    const d = await this.chain.contract('DeviceRegistry').deviceOf(address);
    return { owner: String(d.owner).toLowerCase(), nonce: Number(d.nonce), revoked: Boolean(d.revoked) };
  }

  @Job('devices.chain-sync', { everyMs: 2_000, leaseMs: 30_000 })
  async tick(): Promise<void> {
    await this.run(() => this.pass());
  }

  /** Hands an owner-signed transfer to the outbox: transferBySig with the owner's signature, relayed by our key. */
  async relayTransfer(t: TransferRow): Promise<void> {
    await this.chain.enqueue({
      kind: 'device.transfer',
      idempotencyKey: transferIntentKey(t.device, t.nonce!),
      to: this.chain.deployment!.DeviceRegistry,
      data: registry.encodeFunctionData('transferBySig', [t.device, t.to, t.deadline, t.signature]),
    });
  }

  /**
   * Hands a revocation made here to the registry (DeviceRegistry.revoke: the owner, the operator or
   * the registry admin may call it; our hot key is the operator). Waits while the registration is
   * still on its way; nothing to send for a device the registry never had, or already revoked.
   */
  async relayRevocation(address: string): Promise<void> {
    if (this.onChain) await this.run(() => this.relayOne(address));
  }

  private async relayOne(address: string): Promise<void> {
    const registered = await this.chain.intentStatus(`device-register:${address}`);
    if (registered?.status === 'pending' || registered?.status === 'sent') return;
    if (!(await this.chain.intentStatus(revokeIntentKey(address)))) {
      const onChain = await this.registryDevice(address);
      if (BigInt(onChain.owner) !== 0n && !onChain.revoked) {
        await this.chain.enqueue({
          kind: 'device.revoke',
          idempotencyKey: revokeIntentKey(address),
          to: this.chain.deployment!.DeviceRegistry,
          data: registry.encodeFunctionData('revoke', [address]),
        });
      }
    }
    await this.repo.markRevokeRelayed(address);
  }

  /** Passes on one instance queue behind each other (the job, and a revocation relayed at once). */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async pass(): Promise<void> {
    if (!this.onChain) return;
    await this.readEvents();
    await this.followTransfers();
    for (const address of await this.repo.unrelayedRevocations()) {
      try {
        await this.relayOne(address);
      } catch (err) {
        this.logger.warn({ device: address, err: (err as Error).message }, 'revocation not relayed yet; retried next run');
      }
    }
  }

  /** Queued transfers: enqueue those the outbox lost (a crash after our commit), undo those the registry refused. */
  private async followTransfers(): Promise<void> {
    for (const t of await this.repo.queued()) {
      const intent = await this.chain.intentStatus(transferIntentKey(t.device, t.nonce!));
      if (!intent) await this.relayTransfer(t);
      else if (intent.status === 'failed') {
        const owner = await this.repo.fail(t.id, intent.lastError ?? 'refused by the registry');
        this.logger.warn({ device: t.device, from: t.from, to: t.to, err: intent.lastError, owner }, 'the registry refused a transfer; undone here');
        await this.announce(t.device);
      }
    }
  }

  /** Reads the registry's events from the cursor up to the confirmed head, applying each once. */
  private async readEvents(): Promise<void> {
    const chainId = this.chain.chainId!;
    const address = this.chain.deployment!.DeviceRegistry;
    const provider = this.chain.provider!;
    const head = (await provider.getBlockNumber()) - (this.config.chain.kind === 'rpc' ? CONFIRMATIONS.rpc : CONFIRMATIONS.embedded);
    let from = (await this.repo.cursor(chainId, address)) ?? 0;
    for (let page = 0; page < PAGES_PER_RUN && from <= head; page++) {
      const to = Math.min(head, from + LOG_RANGE - 1);
      const logs = await provider.getLogs({ address, topics: [[TRANSFERRED, REVOKED]], fromBlock: from, toBlock: to });
      for (const log of logs) await this.apply(log);
      await this.repo.advanceCursor(chainId, address, to + 1);
      from = to + 1;
    }
  }

  private async apply(log: Log): Promise<void> {
    const parsed = registry.parseLog(log);
    if (!parsed) return;
    const device = String(parsed.args.device).toLowerCase();
    const at = { txHash: log.transactionHash, logIndex: log.index, blockNumber: log.blockNumber };
    if (parsed.name === 'DeviceTransferred') {
      const from = String(parsed.args.from).toLowerCase();
      const to = String(parsed.args.to).toLowerCase();
      const outcome = await this.repo.applyTransferred(at, device, from, to);
      if (outcome === 'moved') this.logger.log({ device, from, to, block: log.blockNumber }, 'device transferred on the registry directly; owner updated');
      if (outcome === 'moved') await this.announce(device);
    } else if (parsed.name === 'DeviceRevoked') {
      const by = String(parsed.args.by).toLowerCase();
      if (await this.repo.applyRevoked(device, `revoked on chain by ${by}`)) {
        this.logger.log({ device, by, block: log.blockNumber }, 'device revoked on the registry; revoked here');
        await this.announce(device);
      }
    }
  }

  /** A device changed here from the registry's side: its venue's staff see its status (owners' apps poll theirs). */
  private async announce(device: string): Promise<void> {
    const d = await this.devices.find(device);
    if (d) await this.realtime.publish(`staff:${d.venueId}`, { type: 'device.status', device: d.address, kind: d.kind, sectionCode: d.sectionCode, status: deviceStatus(d) });
  }
}
