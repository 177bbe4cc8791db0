import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { formatUnits, Interface } from 'ethers';
import type { EntityManager } from 'typeorm';
import { ARTIFACTS, ChainService, rewardTree } from '@fanmesh/chain';
import { DomainEvents, Job } from '@fanmesh/events';
import { RealtimeService } from '@fanmesh/realtime';
import { emissionWait } from './emission-wait';
import { EpochFileRepository } from './epoch-file.repository';
import { EpochFileMismatch, epochFileBytes, EpochFilesService, leavesOfKinds } from './epoch-files.service';
import { EpochRepository, EpochRow } from './epoch.repository';
import { SETTLEMENT_FAILPOINTS, SettlementFailpoint, SettlementFailpoints } from './settlement.failpoints';

const distributorAbi = new Interface(ARTIFACTS.RewardDistributor.abi as never);

/**
 * Settlement of approved epochs: cumulative totals → Merkle tree → every proof and the public epoch
 * file stored → (once the distributor is funded for it) publishRoot(epoch, root, total, file hash)
 * through the outbox → confirmed, which writes
 * `rewards.epoch_settled` (the venues context settles the event). Each step is a status in the
 * database, so a crash anywhere resumes from the database alone; the tree is deterministic and the
 * outbox keys are per epoch, so nothing is paid twice.
 *
 * Funding is the contracts' admin's act, never the API's hot key's: the admin (a multisig) funds an
 * approved amount with `npm run chain -- fund`, and an epoch waits in `tree_built`, saying how much
 * is missing, until the funding is mined. Likewise it waits, saying until when, while the distributor's
 * emission schedule has not released its cumulative total. A failed epoch goes round again when staff
 * retry it.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);
  private queue: Promise<void> = Promise.resolve();
  /** How long each stage of the last settlement took (ms), for the benchmark. */
  readonly stages: Record<string, number> = {};

  constructor(
    private readonly repo: EpochRepository,
    private readonly files: EpochFilesService,
    private readonly fileRepo: EpochFileRepository,
    private readonly chain: ChainService,
    private readonly realtime: RealtimeService,
    private readonly events: DomainEvents,
    @Optional() @Inject(SETTLEMENT_FAILPOINTS) private readonly failpoints?: SettlementFailpoints,
  ) {}

  /** Drives unfinished epochs forward every second, on one instance (and at boot, after a crash). */
  @Job('rewards.settle', { everyMs: 1000, leaseMs: 10_000 })
  async tick(): Promise<void> {
    await this.resume();
  }

  /**
   * Drives every unfinished epoch one or more steps; run by the job and right after an approval.
   * Calls queue behind each other, so a caller always gets a full pass that started after its call.
   */
  resume(): Promise<void> {
    const run = this.queue.then(async () => {
      for (const epoch of await this.repo.unfinished()) await this.step(epoch);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async step(epoch: EpochRow): Promise<void> {
    this.fail('before-step', epoch.id);
    if (epoch.status === 'approved') {
      if (!(await this.buildTree(epoch))) return;
      this.logger.log({ epochId: epoch.id }, 'reward tree built and proofs stored');
      this.fail('after-tree', epoch.id);
      epoch = (await this.repo.epoch(epoch.id))!;
    }
    if (epoch.status === 'tree_built') {
      if (!(await this.publish(epoch))) return;
      epoch = (await this.repo.epoch(epoch.id))!;
    }
    if (epoch.status === 'publishing') await this.follow(epoch);
  }

  /**
   * Cumulative totals per kind → leaves → tree → every proof, and the public file (every leaf with its
   * kinds, and its keccak256), stored with the root in one transaction. The tree and the file come from
   * the same rows, so the file lists exactly the tree's leaves.
   */
  private async buildTree(epoch: EpochRow): Promise<boolean> {
    const t0 = performance.now();
    const built = await this.repo.storeTree(epoch.id, async (m) => {
      const q0 = performance.now();
      const leaves = leavesOfKinds(await this.fileRepo.byKind(epoch.id, null, m));
      const previousEpochId = await this.fileRepo.previousPaying(epoch.id, m);
      this.stages.cumulative = performance.now() - q0;
      const t1 = performance.now();
      const amounts = leaves.map((l) => BigInt(l.cumulative));
      const tree = rewardTree(leaves.map((l, i) => [l.account, amounts[i]] as const));
      const proofs = tree.allProofs();
      const total = amounts.reduce((s, v) => s + v, 0n);
      this.stages.tree = performance.now() - t1;
      const t2 = performance.now();
      const file = epochFileBytes({ epochId: epoch.id, eventId: epoch.eventId, previousEpochId, root: tree.root, total: total.toString() }, leaves);
      this.stages.file = performance.now() - t2;
      return { root: tree.root, total, accounts: leaves.map((l) => l.account), amounts: leaves.map((l) => l.cumulative), proofs, file };
    });
    this.stages.stored = performance.now() - t0 - (this.stages.cumulative ?? 0) - (this.stages.tree ?? 0) - (this.stages.file ?? 0);
    return built;
  }

  /**
   * Once the distributor's funding covers the epoch, queues publishRoot with the public file's hash;
   * false while it waits (no chain, or not funded enough, or, for a tree built before files existed,
   * a file that disagrees with the ledger). Funding is read at the latest block, so the root is queued only
   * after the funding transaction's receipt: a node that estimates against the latest block would
   * otherwise refuse publishRoot and fail the epoch.
   */
  private async publish(epoch: EpochRow): Promise<boolean> {
    if (!this.chain.enabled || !this.chain.deployment) return false; // waits for a chain
    const distributor = this.chain.contract('RewardDistributor');
    const total = BigInt(epoch.total!);
    const funded: bigint = await distributor.funded({ blockTag: 'latest' });
    if (funded < total) {
      const admin: string | undefined = await distributor.defaultAdmin().catch(() => undefined); // older contracts lack it
      const missing = formatUnits(total - funded, 18);
      const error =
        `Waiting for funding: the RewardDistributor is funded ${formatUnits(funded, 18)} FAN and epoch ${epoch.id} needs ${formatUnits(total, 18)} FAN. ` +
        `Its admin${admin ? ` (${admin})` : ''} must fund ${missing} FAN more: \`npm run chain -- fund --amount ${missing}\` prints the transaction to sign; the root is published once it is mined.`;
      if (epoch.lastError !== error) {
        await this.repo.move(epoch.id, ['tree_built'], 'tree_built', { error });
        this.logger.warn({ epochId: epoch.id, funded: funded.toString(), needed: total.toString() }, 'epoch waits for the admin to fund the distributor');
      }
      return false;
    }
    const scheduleWait = await emissionWait(distributor, epoch.id, total);
    if (scheduleWait) {
      if (epoch.lastError !== scheduleWait) {
        await this.repo.move(epoch.id, ['tree_built'], 'tree_built', { error: scheduleWait });
        this.logger.warn({ epochId: epoch.id, needed: total.toString() }, 'epoch waits for the emission schedule');
      }
      return false;
    }
    const distributorAddress = this.chain.deployment.RewardDistributor;
    let fileHash: string;
    try {
      fileHash = epoch.fileHash ?? (await this.files.write(epoch)); // a tree built before files existed gets its file now
    } catch (err) {
      if (!(err instanceof EpochFileMismatch)) throw err;
      const error = `The epoch file disagrees with the ledger, so the root is not published: ${err.message}`;
      if (epoch.lastError !== error) {
        await this.repo.move(epoch.id, ['tree_built'], 'tree_built', { error });
        this.logger.error({ epochId: epoch.id, err: err.message }, 'epoch file disagrees with the ledger; root not published');
      }
      return false;
    }
    await this.chain.enqueue({
      kind: 'rewards.publishRoot',
      idempotencyKey: rootKey(epoch.id),
      to: distributorAddress,
      data: distributorAbi.encodeFunctionData('publishRoot', [BigInt(epoch.id), epoch.root, total, fileHash]),
    });
    this.fail('after-root-enqueue', epoch.id);
    await this.repo.move(epoch.id, ['tree_built'], 'publishing');
    return true;
  }

  /** Follows publishRoot in the outbox: confirmed → published and `rewards.epoch_settled`, in one transaction. */
  private async follow(epoch: EpochRow): Promise<void> {
    const intent = await this.chain.intentStatus(rootKey(epoch.id));
    if (intent?.status === 'confirmed') {
      const txHash = await this.publishedIn(epoch.id, intent.blockNumber);
      await this.repo.transaction(async (tx) => {
        if (!(await this.repo.move(epoch.id, ['publishing'], 'published', {}, tx))) return; // another instance did
        if (txHash) await this.fileRepo.recordTx(epoch.id, txHash, tx);
        await this.events.emit(tx, 'rewards.epoch_settled', { epochId: epoch.id, eventId: epoch.eventId, at: new Date().toISOString() });
        this.events.afterCommit(tx, () => {
          this.logger.log({ epochId: epoch.id, root: epoch.root, total: epoch.total }, 'reward root published on chain');
          void this.realtime.publish(`staff:${epoch.venueId}`, { type: 'rewards.epoch_published', epochId: epoch.id, root: epoch.root, total: epoch.total }).catch(() => undefined);
        });
      });
    } else if (intent?.status === 'failed') {
      await this.repo.move(epoch.id, ['publishing'], 'failed', { error: intent.lastError ?? 'publishRoot failed on chain' });
    }
  }

  /** The transaction whose RootPublished log carries epoch `epochId` (in the confirmed block), for the public list; null when the log cannot be read. */
  private async publishedIn(epochId: string, blockNumber: string | null): Promise<string | null> {
    if (!blockNumber) return null;
    try {
      const distributor = this.chain.contract('RewardDistributor');
      const [log] = await distributor.queryFilter(distributor.filters.RootPublished(BigInt(epochId)), Number(blockNumber), Number(blockNumber));
      return log?.transactionHash ?? null;
    } catch (err) {
      this.logger.warn({ epochId, err: (err as Error).message }, 'could not read the RootPublished log back');
      return null;
    }
  }

  /** In `tx`, as a failed epoch is reopened: frees its failed publishRoot, so the next pass queues it afresh (never a live one: see ChainService.releaseFailed). */
  async reopen(tx: EntityManager, epochId: string): Promise<void> {
    await this.chain.releaseFailed([rootKey(epochId)], tx);
  }

  private fail(at: SettlementFailpoint, epochId: string): void {
    this.failpoints?.(at, epochId);
  }
}

const rootKey = (epochId: string) => `rewards-root:${epochId}`;
