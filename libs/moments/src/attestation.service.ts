import { Injectable, Logger } from '@nestjs/common';
import { Interface } from 'ethers';
import { ARTIFACTS, ChainService, momentCommitment, MomentRecord } from '@fanmesh/chain';
import { ReadingsDirectory } from '@fanmesh/directory';
import { Job } from '@fanmesh/events';
import { momentContextDigest, type MomentEvidenceView } from '@fanmesh/protocol';
import { evidenceTree, EVIDENCE_LEAF_ENCODING, envelopeLeafValue, momentRecord } from './evidence';
import { MomentRepository } from './moment.repository';
import { MomentsError } from './moments.error';

/** What GET /moments/:id/evidence answers: enough to check a confirmed moment without trusting us. */
export type MomentEvidence = MomentEvidenceView;

const HOW =
  'Leaves (OpenZeppelin StandardMerkleTree of ["bytes32"]): each envelope\'s envelopeDigest(deviceId, seq, sentAt, body) = keccak256("FanMesh envelope v1" ‖ deviceId ‖ uint64 seq ‖ sentAt ‖ keccak256(body)), ' +
  'which its device signed (raw secp256k1), and for a sensor candidate momentContextDigest(context) = keccak256("FanMesh moment context v1" ‖ keccak256(context)). ' +
  'Re-run the rule named in the context on the sound readings in the envelopes within context.samples, and check the record with MomentAttestor.verify. docs/protocol.md and docs/sensing-moments.md say how.';

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
export class AttestationService {
  private readonly logger = new Logger(AttestationService.name);
  private readonly attestor = new Interface(ARTIFACTS.MomentAttestor.abi as never);
  private running = false;

  constructor(
    private readonly repo: MomentRepository,
    private readonly chain: ChainService,
    private readonly readings: ReadingsDirectory,
  ) {}

  /**
   * One pass (one instance per interval): heal batches never handed to the outbox, then batch what
   * is waiting. Without a chain moments wait, unattested, until there is one. Returns the batches enqueued.
   */
  @Job('moments.attest', { everyMs: ATTEST_EVERY_MS })
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
  async evidence(momentId: string): Promise<MomentEvidence> {
    const m = await this.repo.get(momentId);
    if (!m || m.status !== 'confirmed') throw new MomentsError('moment_not_found', `No confirmed moment ${momentId}.`);
    const envelopes = await this.readings.envelopes(await this.repo.evidenceKeys(m.id));
    const tree = evidenceTree(envelopes, m.evidenceContext);
    if (tree.root !== (m.evidenceRoot ?? tree.root)) this.logger.error({ momentId }, 'evidence root mismatch');
    const record = momentRecord(m);
    return {
      momentId: m.id,
      eventId: m.eventId,
      kind: m.kind,
      kindNumber: record.kind,
      at: new Date(m.at).toISOString(),
      source: m.source,
      confirmedBy: m.confirmedBy,
      record: { ...record, timestamp: record.timestamp.toString() },
      commitment: momentCommitment(record),
      chain: this.chain.deployment ? { chainId: this.chain.chainId, contract: this.chain.deployment.MomentAttestor, batch: m.attestBatch } : null,
      evidenceRoot: record.evidenceRoot,
      leafEncoding: EVIDENCE_LEAF_ENCODING,
      how: HOW,
      context: m.evidenceContext,
      contextDigest: m.evidenceContext ? momentContextDigest(m.evidenceContext) : null,
      contextProof: tree.contextProof,
      envelopes: envelopes.map((e, i) => ({ ...e, digest: envelopeLeafValue(e), proof: tree.proofs[i] })),
    };
  }
}
