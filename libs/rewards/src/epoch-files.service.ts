import { Injectable, Logger } from '@nestjs/common';
import { hexlify } from 'ethers';
import { ChainService, keccak256Long } from '@fanmesh/chain';
import { encodeEpochFile, EPOCH_FILE_FORMAT, EPOCH_LEAF_ENCODING, EpochFile, EpochFileLeaf, epochFileCsv, EpochLeavesPage, PublishedEpochsView } from '@fanmesh/protocol';
import { EpochFileRepository, KindAmountRow, LeafRow } from './epoch-file.repository';
import type { EpochRow } from './epoch.repository';
import { EpochRepository } from './epoch.repository';
import { RewardsError } from './rewards.error';

/** The file's leaves disagree with the ledger: settlement stops before publishing such a file. */
export class EpochFileMismatch extends Error {}

/**
 * Public epoch files (docs/rewards.md "Check it yourself"): written once per epoch just before its
 * root goes on chain (settlement commits the file's keccak256 beside the root), then served to anyone
 * as JSON (the committed bytes), CSV and pages of leaves, for published epochs only.
 */
@Injectable()
export class EpochFilesService {
  private readonly logger = new Logger(EpochFilesService.name);

  constructor(
    private readonly files: EpochFileRepository,
    private readonly epochs: EpochRepository,
    private readonly chain: ChainService,
  ) {}

  /**
   * Writes the file of an epoch whose tree was built before files existed (settlement writes every
   * other one with its tree) and returns its hash; a stored file is kept. Throws EpochFileMismatch
   * when the ledger's per-kind amounts do not add up to the stored leaves (nothing is stored then).
   */
  async write(epoch: EpochRow): Promise<string> {
    if (epoch.fileHash) return epoch.fileHash;
    const stored = await this.files.file(epoch.id);
    if (stored) return this.files.storeFile(epoch.id, stored.hash, stored.body);
    // on Postgres the two reads run side by side (two pooled connections)
    const [treeLeaves, kinds] = await Promise.all([this.files.leaves(epoch.id), this.files.byKind(epoch.id)]);
    const leaves = withBreakdown(treeLeaves, kinds);
    const total = leaves.reduce((s, l) => s + BigInt(l.cumulative), 0n);
    if (total.toString() !== epoch.total) throw new EpochFileMismatch(`epoch ${epoch.id}: the leaves add up to ${total}, the tree's total is ${epoch.total}`);
    const file = epochFileBytes(
      { epochId: epoch.id, eventId: epoch.eventId, previousEpochId: await this.files.previousPaying(epoch.id), root: epoch.root!, total: epoch.total! },
      leaves,
    );
    const hash = await this.files.storeFile(epoch.id, file.hash, file.body);
    this.logger.log({ epochId: epoch.id, accounts: leaves.length, bytes: file.body.length, fileHash: hash }, 'epoch file written');
    return hash;
  }

  // ------------------------------------------------------------------ public reads

  async list(): Promise<PublishedEpochsView> {
    const epochs = await this.files.published();
    return {
      chainId: this.chain.chainId ?? null,
      distributor: this.chain.deployment?.RewardDistributor.toLowerCase() ?? null,
      epochs: epochs.map((e) => ({
        id: e.id,
        eventId: e.eventId,
        root: e.root,
        total: e.total,
        accounts: e.accounts,
        fileHash: e.fileHash,
        txHash: e.txHash,
        publishedAt: new Date(e.publishedAt).toISOString(),
        files: e.fileHash ? { json: `/api/v1/epochs/${e.id}/file.json`, csv: `/api/v1/epochs/${e.id}/file.csv`, leaves: `/api/v1/epochs/${e.id}/leaves` } : null,
      })),
    };
  }

  /** The file's bytes, exactly as hashed on chain. */
  async json(id: string): Promise<{ hash: string; body: Buffer }> {
    await this.requirePublished(id);
    const file = await this.files.file(id);
    if (!file) throw new RewardsError('epoch_file_missing', `Epoch ${id} was published before epoch files existed; it has no file.`);
    return file;
  }

  async csv(id: string): Promise<{ hash: string; body: string }> {
    const file = await this.json(id);
    return { hash: file.hash, body: epochFileCsv(JSON.parse(file.body.toString('utf8')) as EpochFile) };
  }

  /** A page of leaves after `cursor` (an account), with their breakdown. */
  async page(id: string, cursor: string | undefined, limit: number): Promise<EpochLeavesPage> {
    await this.requirePublished(id);
    const rows = await this.files.leaves(id, cursor?.toLowerCase() ?? null, limit + 1);
    const page = rows.slice(0, limit);
    const leaves = withBreakdown(
      page,
      page.length
        ? await this.files.byKind(
            id,
            page.map((l) => l.account),
          )
        : [],
    );
    return { epochId: id, leaves, next: rows.length > limit ? page[page.length - 1].account : null };
  }

  private async requirePublished(id: string): Promise<EpochRow> {
    const epoch = await this.epochs.epoch(id);
    if (!epoch) throw new RewardsError('epoch_not_found', `No epoch ${id}.`);
    if (epoch.status !== 'published') {
      throw new RewardsError('epoch_not_published', `Epoch ${id} is ${epoch.status}; its file is public once its root is published on chain.`, { status: epoch.status });
    }
    return epoch;
  }
}

/** The file's canonical bytes and their keccak256 (the fast sponge: a 100,000-leaf file is ~17 MB). */
export function epochFileBytes(head: Pick<EpochFile, 'epochId' | 'eventId' | 'previousEpochId' | 'root' | 'total'>, leaves: EpochFileLeaf[]): { hash: string; body: Buffer } {
  const body = Buffer.from(encodeEpochFile({ format: EPOCH_FILE_FORMAT, ...head, accounts: leaves.length, leafEncoding: EPOCH_LEAF_ENCODING, leaves }), 'utf8');
  return { hash: hexlify(keccak256Long(body)), body };
}

/** The leaves from per-kind rows in account order: each account's kinds, and their sum as its cumulative amount. */
export function leavesOfKinds(kinds: KindAmountRow[]): EpochFileLeaf[] {
  const out: EpochFileLeaf[] = [];
  let sum = 0n;
  for (const k of kinds) {
    let leaf = out[out.length - 1];
    if (!leaf || leaf.account !== k.account) {
      if (leaf) leaf.cumulative = sum.toString();
      leaf = { account: k.account, cumulative: '0', byKind: {} };
      out.push(leaf);
      sum = 0n;
    }
    leaf.byKind[k.kind] = k.amount;
    sum += BigInt(k.amount);
  }
  if (out.length) out[out.length - 1].cumulative = sum.toString();
  return out;
}

/** Joins the leaves with their per-kind rows (both in account byte order) and checks that each leaf's kinds add up to it. */
function withBreakdown(leaves: LeafRow[], kinds: KindAmountRow[]): EpochFileLeaf[] {
  let k = 0;
  const out = leaves.map((l) => {
    const byKind: Record<string, string> = {};
    let sum = 0n;
    for (; k < kinds.length && kinds[k].account === l.account; k++) {
      byKind[kinds[k].kind] = kinds[k].amount;
      sum += BigInt(kinds[k].amount);
    }
    if (sum !== BigInt(l.cumulative)) throw new EpochFileMismatch(`${l.account}: the ledger's kinds add up to ${sum}, the leaf says ${l.cumulative}`);
    return { account: l.account, cumulative: l.cumulative, byKind };
  });
  if (k !== kinds.length) throw new EpochFileMismatch(`${kinds[k].account} earned ${kinds[k].kind} in the ledger but has no leaf`);
  return out;
}
