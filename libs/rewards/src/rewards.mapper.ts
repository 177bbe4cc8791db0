import type { EpochManifest, EpochView, LedgerEntryView } from '@fanmesh/protocol';
import type { EpochRow } from './epoch.repository';
import { PoolConfig, REASONS, RewardKind } from './reward-rules';
import type { EntryRow, PoolRow } from './rewards.repository';

/** One kind's pool of an event, as GET /events/:eventId/reward-pools shows it. */
export interface PoolView {
  kind: RewardKind;
  perUnit: string;
  accountCap: string;
  pool: string;
  remaining: string;
  paid: string;
}

export const toPoolConfig = (p: PoolRow): PoolConfig => ({ kind: p.kind, perUnit: BigInt(p.perUnit), accountCap: BigInt(p.accountCap), pool: BigInt(p.pool) });

export const toPoolView = (p: PoolRow): PoolView => ({
  kind: p.kind,
  perUnit: p.perUnit,
  accountCap: p.accountCap,
  pool: p.pool,
  remaining: p.remaining,
  paid: (BigInt(p.pool) - BigInt(p.remaining)).toString(),
});

export const toEntryView = (e: EntryRow): LedgerEntryView => ({
  id: e.id,
  eventId: e.eventId,
  kind: e.kind,
  amount: e.amount,
  requested: e.requested,
  clipped: e.clipped,
  reason: REASONS[e.kind],
  cause: e.cause,
  epochId: e.epochId,
  at: new Date(e.createdAt).toISOString(),
});

export const toEpochView = (e: EpochRow): EpochView => ({
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
  manifest: e.manifest as EpochManifest | null,
});
