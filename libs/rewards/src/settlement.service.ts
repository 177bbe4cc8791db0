import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Interface, verifyTypedData } from 'ethers';
import { DataSource, EntityManager } from 'typeorm';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { ARTIFACTS, ChainService, CLAIM_TYPES, DOMAIN_NAMES, eip712Domain, OutboxSender, proofFromBytes, rewardTree, ROLES } from '@fanmesh/chain';
import { RealtimeService } from '@fanmesh/realtime';
import { VenuesService } from '@fanmesh/venues';
import { RewardsError } from './rewards.error';
import { EpochRow, RewardsRepository } from './rewards.repository';
import { RewardsService } from './rewards.service';

/** Points where a test makes settlement "crash", to prove a restart from the database resumes it exactly. */
export type SettlementFailpoint = 'before-step' | 'after-tree' | 'after-fund-enqueue' | 'after-root-enqueue';

const RUN_MS = 1_000;
const SYSTEM: Principal = { subject: 'system:rewards', kind: 'account', roles: ['admin'] };
const distributorAbi = new Interface(ARTIFACTS.RewardDistributor.abi as never);

export interface RelayRequest {
  cumulativeAmount: string;
  recipient?: string;
  deadline: number;
  signature: string;
}

/**
 * Epochs: close (entries of an ended event + a manifest), staff approve or reject, then settlement:
 * cumulative totals → Merkle tree → every proof stored → fund and publishRoot through the outbox →
 * confirmed. Each step is a status in the database, so a crash anywhere resumes from the database
 * alone; the tree is deterministic and the outbox keys are per epoch, so nothing is paid twice.
 */
@Injectable()
export class SettlementService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SettlementService.name);
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  failpoint?: (at: SettlementFailpoint) => void;
  /** The same for every instance in this process, set before boot (a test's "crash on restart"). */
  static failpoint?: (at: SettlementFailpoint, epochId: string) => void;
  /** How long each stage of the last settlement took (ms), for the benchmark. */
  readonly stages: Record<string, number> = {};

  constructor(
    private readonly repo: RewardsRepository,
    private readonly rewards: RewardsService,
    private readonly venues: VenuesService,
    private readonly chain: ChainService,
    private readonly realtime: RealtimeService,
    private readonly ds: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    this.rewards.onEventEnded((eventId) => void this.close(eventId, SYSTEM).catch((err) => this.logger.warn({ eventId, err: (err as Error).message }, 'automatic epoch close skipped')));
    const tick = async () => {
      await this.resume().catch((err) => this.logger.warn({ err: (err as Error).message }, 'settlement step failed; retrying'));
      await this.closeWaiting().catch((err) => this.logger.warn({ err: (err as Error).message }, 'automatic epoch close skipped'));
      this.timer = setTimeout(tick, RUN_MS);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, 200);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------------ close, manifest, decision

  async close(eventId: string, by: Principal) {
    const event = await this.rewards.event(eventId);
    requireVenueRole(by, ['staff'], event.venueId);
    if (event.status !== 'ended') throw new RewardsError('event_not_ended', `The event is ${event.status}; an epoch closes when it has ended.`, { status: event.status });
    await this.rewards.sweep(eventId, { final: true }); // nothing earned is left behind; coverage is scored
    const result = await this.repo.closeEpoch(eventId, event.venueId, by.subject, (m, id) => this.manifest(m, id, eventId));
    if (result.open) {
      if (result.open.eventId === eventId && result.open.status === 'pending_approval') return this.view(result.open);
      throw new RewardsError('epoch_in_progress', `Epoch ${result.open.id} (event ${result.open.eventId}) is ${result.open.status}; roots are cumulative and settle one at a time.`, { epochId: result.open.id });
    }
    if (result.empty) throw new RewardsError('nothing_to_settle', 'Every entry of this event is already in an epoch.');
    const epoch = result.epoch!;
    this.logger.log({ epochId: epoch.id, eventId, by: by.subject }, 'epoch closed; manifest awaits approval');
    await this.realtime.publish(`staff:${event.venueId}`, { type: 'rewards.manifest_ready', epochId: epoch.id, eventId }).catch(() => undefined);
    return this.view(epoch);
  }

  /**
   * Events end while another epoch is in flight (epochs settle one at a time): once none is, the
   * next ended event with entries outside any epoch is closed, so none waits for a person to notice.
   */
  private async closeWaiting(): Promise<void> {
    if (await this.repo.openEpoch()) return;
    for (const eventId of await this.repo.eventsWithOpenEntries()) {
      const event = await this.venues.getEvent(eventId).catch(() => undefined);
      if (event?.status !== 'ended') continue;
      await this.close(eventId, SYSTEM);
      return;
    }
  }

  /** The reward manifest: per kind, per account (the largest movers), anomalies against the previous epoch. */
  private async manifest(m: EntityManager, epochId: string, eventId: string): Promise<Record<string, unknown>> {
    const byKind: { kind: string; total: string; entries: number; accounts: number; clipped: number }[] = await m.query(
      `SELECT kind, sum(amount)::text AS total, count(*)::int AS entries, count(DISTINCT account)::int AS accounts, count(*) FILTER (WHERE clipped IS NOT NULL)::int AS clipped
       FROM reward_entries WHERE epoch_id = $1 GROUP BY kind ORDER BY kind`,
      [epochId],
    );
    const [agg] = await m.query(`SELECT coalesce(sum(amount), 0)::text AS total, count(DISTINCT account)::int AS accounts FROM reward_entries WHERE epoch_id = $1 AND amount > 0`, [epochId]);
    const movers: { account: string; amount: string; kinds: Record<string, string> }[] = await m.query(
      `SELECT account, sum(s)::text AS amount, jsonb_object_agg(kind, k) AS kinds FROM (
         SELECT account, kind, sum(amount)::text AS k, sum(amount) AS s FROM reward_entries WHERE epoch_id = $1 GROUP BY account, kind) x
       GROUP BY account ORDER BY sum(s) DESC, account LIMIT 20`,
      [epochId],
    );
    const pools: { kind: string; pool: string; remaining: string }[] = await m.query(`SELECT kind, pool::text, remaining::text FROM reward_pools WHERE event_id = $1`, [eventId]);
    const [prev] = await m.query(`SELECT id::text, manifest FROM reward_epochs WHERE id < $1 AND status IN ('approved', 'tree_built', 'publishing', 'published') ORDER BY id DESC LIMIT 1`, [epochId]);
    const [cum] = await m.query(
      `SELECT coalesce(sum(e.amount), 0)::text AS total FROM reward_entries e JOIN reward_epochs p ON p.id = e.epoch_id WHERE p.id = $1 OR (p.id < $1 AND p.status IN ('approved', 'tree_built', 'publishing', 'published'))`,
      [epochId],
    );
    const anomalies: { code: string; detail: string; [k: string]: unknown }[] = [];
    const epochTotal = BigInt(agg.total);
    const mean = agg.accounts ? epochTotal / BigInt(agg.accounts) : 0n;
    for (const mv of movers) {
      if (mean > 0n && BigInt(mv.amount) > 10n * mean) anomalies.push({ code: 'outlier_account', detail: `${mv.account} earned more than 10× the mean per account`, account: mv.account, amount: mv.amount });
    }
    for (const p of pools) if (p.remaining === '0') anomalies.push({ code: 'pool_exhausted', detail: `the ${p.kind} pool ran out: later causes were clipped`, kind: p.kind });
    for (const k of byKind) if (k.clipped) anomalies.push({ code: 'caps_hit', detail: `${k.clipped} ${k.kind} entries were clipped by a cap or the pool`, kind: k.kind, clipped: k.clipped });
    const previous = prev?.manifest as { byKind?: { kind: string; total: string }[]; accounts?: number } | undefined;
    if (previous) {
      for (const k of byKind) {
        const before = BigInt(previous.byKind?.find((p) => p.kind === k.kind)?.total ?? '0');
        if (before > 0n && BigInt(k.total) > 2n * before) anomalies.push({ code: 'kind_surge', detail: `${k.kind} paid more than twice the previous epoch's`, kind: k.kind, total: k.total, previous: before.toString() });
        if (before === 0n && BigInt(k.total) > 0n) anomalies.push({ code: 'new_kind', detail: `${k.kind} paid nothing in the previous epoch`, kind: k.kind });
      }
      if (previous.accounts && agg.accounts > 2 * previous.accounts) anomalies.push({ code: 'crowd_surge', detail: 'more than twice the accounts of the previous epoch', accounts: agg.accounts, previous: previous.accounts });
    }
    return {
      epochId,
      eventId,
      epochTotal: epochTotal.toString(),
      cumulativeTotal: cum.total,
      accounts: agg.accounts,
      byKind,
      largestMovers: movers,
      previousEpochId: prev?.id ?? null,
      anomalies,
    };
  }

  async manifestOf(id: string, by: Principal) {
    const epoch = await this.requireEpoch(id);
    requireVenueRole(by, ['staff'], epoch.venueId);
    return this.view(epoch);
  }

  async decide(id: string, decision: 'approve' | 'reject', by: Principal, note?: string) {
    const epoch = await this.requireEpoch(id);
    requireVenueRole(by, ['staff'], epoch.venueId);
    const moved = await this.repo.move(id, ['pending_approval'], decision === 'approve' ? 'approved' : 'rejected', { decidedBy: by.subject, note });
    if (!moved) {
      const now = (await this.repo.epoch(id))!;
      throw new RewardsError('epoch_not_pending', `Epoch ${id} is ${now.status}; only a manifest pending approval can be ${decision}d.`, { status: now.status });
    }
    this.logger.log({ epochId: id, decision, by: by.subject }, 'manifest decided');
    if (decision === 'approve') void this.resume().catch((err) => this.logger.warn({ err: (err as Error).message }, 'settlement step failed; retrying'));
    return this.view((await this.repo.epoch(id))!);
  }

  // ------------------------------------------------------------------ settlement

  /**
   * Drives every unfinished epoch one or more steps; called by the timer, after approval, and at boot.
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
      const t0 = performance.now();
      const built = await this.repo.storeTree(epoch.id, async (m) => {
        const q0 = performance.now();
        const rows = await this.repo.cumulative(epoch.id, m);
        this.stages.cumulative = performance.now() - q0;
        const t1 = performance.now();
        const amounts = rows.map((r) => BigInt(r.amount));
        const tree = rewardTree(rows.map((r, i) => [r.account, amounts[i]] as const));
        const proofs = tree.allProofs();
        this.stages.tree = performance.now() - t1;
        return { root: tree.root, total: amounts.reduce((s, v) => s + v, 0n), accounts: rows.map((r) => r.account), amounts: rows.map((r) => r.amount), proofs };
      });
      this.stages.stored = performance.now() - t0 - (this.stages.cumulative ?? 0) - (this.stages.tree ?? 0);
      if (!built) return;
      this.logger.log({ epochId: epoch.id }, 'reward tree built and proofs stored');
      this.fail('after-tree', epoch.id);
      epoch = (await this.repo.epoch(epoch.id))!;
    }
    if (epoch.status === 'tree_built') {
      if (!this.chain.enabled || !this.chain.deployment) return; // waits for a chain
      const distributor = this.chain.contract('RewardDistributor');
      const total = BigInt(epoch.total!);
      const funded: bigint = await distributor.funded();
      if (funded < total) {
        const signer = await this.chain.signer!.getAddress();
        if (!(await distributor.hasRole(ROLES.DEFAULT_ADMIN_ROLE, signer))) {
          await this.repo.move(epoch.id, ['tree_built'], 'tree_built', { error: `the distributor is funded ${funded}, the epoch needs ${total}: the treasury admin must fund ${total - funded}` });
          return;
        }
        await this.chain.enqueue({ kind: 'rewards.fund', idempotencyKey: `rewards-fund:${epoch.id}`, to: this.chain.deployment.RewardDistributor, data: distributorAbi.encodeFunctionData('fund', [total - funded]) });
        this.fail('after-fund-enqueue', epoch.id);
      }
      await this.chain.enqueue({
        kind: 'rewards.publishRoot',
        idempotencyKey: `rewards-root:${epoch.id}`,
        to: this.chain.deployment.RewardDistributor,
        data: distributorAbi.encodeFunctionData('publishRoot', [BigInt(epoch.id), epoch.root, total]),
      });
      this.fail('after-root-enqueue', epoch.id);
      await this.repo.move(epoch.id, ['tree_built'], 'publishing');
      epoch = (await this.repo.epoch(epoch.id))!;
    }
    if (epoch.status === 'publishing') {
      const row = (await OutboxSender.rows(this.ds)).find((r) => r.idempotencyKey === `rewards-root:${epoch.id}`);
      if (row?.status === 'confirmed') {
        if (await this.repo.move(epoch.id, ['publishing'], 'published')) {
          this.logger.log({ epochId: epoch.id, root: epoch.root, total: epoch.total }, 'reward root published on chain');
          await this.realtime.publish(`staff:${epoch.venueId}`, { type: 'rewards.epoch_published', epochId: epoch.id, root: epoch.root, total: epoch.total }).catch(() => undefined);
          const event = await this.venues.getEvent(epoch.eventId).catch(() => undefined);
          if (event?.status === 'ended') await this.venues.transitionEvent(epoch.eventId, 'settled', undefined, SYSTEM).catch(() => undefined);
        }
      } else if (row?.status === 'failed') {
        await this.repo.move(epoch.id, ['publishing'], 'failed', { error: row.lastError ?? 'publishRoot failed on chain' });
      }
    }
  }

  private fail(at: SettlementFailpoint, epochId: string): void {
    this.failpoint?.(at);
    SettlementService.failpoint?.(at, epochId);
  }

  // ------------------------------------------------------------------ claims

  /** What `account` can claim now: the on-chain epoch's cumulative amount and proof, minus what the contract says was claimed. */
  async claim(address: string) {
    const account = address.toLowerCase();
    if (!this.chain.enabled || !this.chain.deployment) throw new RewardsError('not_settled', 'No chain is configured, so no reward root is published.');
    const distributor = this.chain.contract('RewardDistributor');
    const [[onChainEpoch], claimedRaw] = await Promise.all([distributor.currentEpoch() as Promise<[bigint, bigint]>, distributor.claimed(account) as Promise<bigint>]);
    if (onChainEpoch === 0n) throw new RewardsError('not_settled', 'No reward epoch is published on chain yet.');
    const epoch = await this.repo.epoch(onChainEpoch.toString());
    const row = epoch ? await this.repo.claimRow(epoch.id, account) : undefined;
    const balance = await this.rewards.mine(account).then((m) => m.balance);
    if (!epoch || !row) throw new RewardsError('no_rewards', `${account} has no settled rewards in epoch ${onChainEpoch}.`, { balance });
    const cumulative = BigInt(row.cumulative);
    const claimed = BigInt(claimedRaw);
    const proof = proofFromBytes(row.proof);
    const claimable = cumulative > claimed ? cumulative - claimed : 0n;
    return {
      account,
      epochId: epoch.id,
      root: epoch.root,
      cumulativeAmount: cumulative.toString(),
      claimed: claimed.toString(),
      claimable: claimable.toString(),
      ledgerBalance: balance,
      unsettled: (BigInt(balance) - cumulative).toString(),
      proof,
      direct: {
        chainId: this.chain.chainId,
        contract: this.chain.deployment.RewardDistributor,
        method: 'claim(address,uint256,bytes32[])',
        args: [account, cumulative.toString(), proof],
        data: distributorAbi.encodeFunctionData('claim', [account, cumulative, proof]),
      },
      gasless: {
        domain: eip712Domain(DOMAIN_NAMES.RewardDistributor, this.chain.chainId!, this.chain.deployment.RewardDistributor),
        types: CLAIM_TYPES,
        message: { account, cumulativeAmount: cumulative.toString(), recipient: account, deadline: 'unix seconds of your choice' },
        relay: 'POST /api/v1/rewards/claims/relay',
      },
    };
  }

  /** Gasless claim: checks the fan's EIP-712 signature as claimFor will, then queues claimFor through the outbox (once per cumulative amount). */
  async relay(req: RelayRequest, by: Principal) {
    const info = await this.claim(by.subject);
    if (req.cumulativeAmount !== info.cumulativeAmount) {
      throw new RewardsError('stale_claim', `The published cumulative amount is ${info.cumulativeAmount}; sign that one.`, { cumulativeAmount: info.cumulativeAmount });
    }
    if (info.claimable === '0') throw new RewardsError('nothing_to_claim', `Everything up to ${info.cumulativeAmount} was already claimed.`, { claimed: info.claimed });
    if (req.deadline * 1000 < Date.now() + 60_000) throw new RewardsError('deadline_passed', 'The deadline must be at least a minute away, so the relayed transaction can land before it.');
    const recipient = req.recipient ?? info.account;
    const message = { account: info.account, cumulativeAmount: BigInt(info.cumulativeAmount), recipient, deadline: BigInt(req.deadline) };
    let signer: string;
    try {
      signer = verifyTypedData(info.gasless.domain, CLAIM_TYPES, message, req.signature).toLowerCase();
    } catch {
      signer = '';
    }
    if (signer !== info.account) throw new RewardsError('bad_claim_signature', 'The claim was not signed by your account over this distributor, amount, recipient and deadline.');
    const idempotencyKey = `rewards-claim:${info.account}:${info.cumulativeAmount}`;
    await this.chain.enqueue({
      kind: 'rewards.claimFor',
      idempotencyKey,
      to: this.chain.deployment!.RewardDistributor,
      data: distributorAbi.encodeFunctionData('claimFor', [info.account, message.cumulativeAmount, recipient, message.deadline, req.signature, info.proof]),
    });
    this.logger.log({ account: info.account, cumulative: info.cumulativeAmount }, 'gasless claim queued');
    return { queued: true, idempotencyKey, account: info.account, recipient: recipient.toLowerCase(), amount: info.claimable, cumulativeAmount: info.cumulativeAmount };
  }

  // ------------------------------------------------------------------ helpers

  async epochs(eventId: string) {
    return (await this.repo.epochs(eventId)).map((e) => this.view(e));
  }

  private async requireEpoch(id: string): Promise<EpochRow> {
    const epoch = await this.repo.epoch(id);
    if (!epoch) throw new RewardsError('epoch_not_found', `No epoch ${id}.`);
    return epoch;
  }

  view(e: EpochRow) {
    return {
      id: e.id,
      eventId: e.eventId,
      venueId: e.venueId,
      status: e.status,
      root: e.root,
      total: e.total,
      epochTotal: e.epochTotal,
      accounts: e.accounts,
      closedBy: e.closedBy,
      closedAt: new Date(e.closedAt).toISOString(),
      decidedBy: e.decidedBy,
      decidedAt: e.decidedAt ? new Date(e.decidedAt).toISOString() : null,
      decisionNote: e.decisionNote,
      publishedAt: e.publishedAt ? new Date(e.publishedAt).toISOString() : null,
      lastError: e.lastError,
      manifest: e.manifest,
    };
  }

}
