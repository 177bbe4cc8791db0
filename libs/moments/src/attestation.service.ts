import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Interface } from 'ethers';
import { ARTIFACTS, ChainService, momentCommitment, MomentRecord } from '@fanmesh/chain';
import { ReadingsService } from '@fanmesh/sensing';
import { evidenceTree, EVIDENCE_LEAF_ENCODING, envelopeLeafValue, momentRecord } from './evidence';
import { MomentRepository } from './moment.repository';
import { MomentsError } from './moments.error';

/** Confirmed moments wait this long to share a transaction; a batch holds at most this many. */
export const ATTEST_EVERY_MS = 2_000;
export const ATTEST_BATCH = 20;

/**
 * Attests confirmed moments on chain in batches (MomentAttestor.attestBatch) through the outbox:
 * a batch row claims its moments first (each moment belongs to one batch, ever), then one outbox
 * intent keyed by the batch id; a crash in between is healed by re-enqueueing (the key makes it
 * idempotent), and the contract refuses any id twice. So every moment is attested exactly once.
 */
@Injectable()
export class AttestationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AttestationService.name);
  private readonly attestor = new Interface(ARTIFACTS.MomentAttestor.abi as never);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly repo: MomentRepository,
    private readonly chain: ChainService,
    private readonly readings: ReadingsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.chain.deployment?.MomentAttestor) return; // no chain: moments wait, unattested, until there is one
    this.timer = setInterval(() => void this.tick(), ATTEST_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass: heal batches never handed to the outbox, then batch what is waiting. Returns the batches enqueued. */
  async tick(): Promise<number> {
    if (this.running || !this.chain.deployment?.MomentAttestor) return 0;
    this.running = true;
    let n = 0;
    try {
      for (const b of await this.repo.unenqueued()) n += await this.enqueue(b.batchId, b.moments.map(momentRecord));
      for (;;) {
        const b = await this.repo.claimBatch(ATTEST_BATCH);
        if (!b) break;
        n += await this.enqueue(b.batchId, b.moments.map(momentRecord));
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'attestation pass failed; retrying');
    } finally {
      this.running = false;
    }
    return n;
  }

  private async enqueue(batchId: string, records: MomentRecord[]): Promise<number> {
    if (!records.length) return 0;
    await this.chain.enqueue({
      kind: 'moments.attest',
      idempotencyKey: `moments-attest:${batchId}`,
      to: this.chain.deployment!.MomentAttestor,
      data: this.attestor.encodeFunctionData('attestBatch', [records]),
    });
    await this.repo.markEnqueued(batchId);
    this.logger.log({ batchId, moments: records.length }, 'moments queued for attestation');
    return 1;
  }

  /**
   * Everything needed to check a confirmed moment without trusting us: the on-chain record and its
   * commitment, and every evidence envelope exactly as its device signed it, with its Merkle proof.
   */
  async evidence(momentId: string) {
    const m = await this.repo.get(momentId);
    if (!m || m.status !== 'confirmed') throw new MomentsError('moment_not_found', `No confirmed moment ${momentId}.`);
    const envelopes = await this.readings.envelopes(await this.repo.evidenceKeys(m.id));
    const tree = evidenceTree(envelopes);
    if (tree.root !== (m.evidenceRoot ?? tree.root)) this.logger.error({ momentId }, 'evidence root mismatch');
    const record = momentRecord(m);
    return {
      momentId: m.id,
      eventId: m.eventId,
      kind: m.kind,
      at: new Date(m.at).toISOString(),
      record: { ...record, timestamp: record.timestamp.toString() },
      commitment: momentCommitment(record),
      chain: this.chain.deployment ? { chainId: this.chain.chainId, contract: this.chain.deployment.MomentAttestor, batch: m.attestBatch } : null,
      evidenceRoot: record.evidenceRoot,
      leafEncoding: EVIDENCE_LEAF_ENCODING,
      how: 'leaf value = envelopeDigest(deviceId, seq, sentAt, body) = keccak256("FanMesh envelope v1" ‖ deviceId ‖ uint64 seq ‖ sentAt ‖ keccak256(body)); the device signed that digest; leaves form an OpenZeppelin StandardMerkleTree of ["bytes32"].',
      envelopes: envelopes.map((e, i) => ({ ...e, digest: envelopeLeafValue(e), proof: tree.proofs[i] })),
    };
  }
}
