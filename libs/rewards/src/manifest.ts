import type { PurchaseRing } from '@fanmesh/directory';
import type { ManifestFacts } from './epoch.repository';

export interface Anomaly {
  code: string;
  detail: string;
  [k: string]: unknown;
}

/**
 * The reward manifest staff approve: per kind, per account (the largest movers), and anomalies
 * against the previous paying epoch; a follow-up epoch of an event (entries that came after its
 * first epoch closed) always says so (`late_entries`), so late rewards are never paid unreviewed.
 * `rings` are the purchase groups coverage counted once per hotspot (`purchase_ring`, docs/coverage.md).
 * Pure: the same ledger facts always give the same manifest.
 */
export function buildManifest(epochId: string, eventId: string, f: ManifestFacts, rings: PurchaseRing[] = []): Record<string, unknown> {
  const anomalies: Anomaly[] = [];
  const epochTotal = BigInt(f.paid.total);
  const mean = f.paid.accounts ? epochTotal / BigInt(f.paid.accounts) : 0n;
  for (const mv of f.movers) {
    if (mean > 0n && BigInt(mv.amount) > 10n * mean)
      anomalies.push({ code: 'outlier_account', detail: `${mv.account} earned more than 10× the mean per account`, account: mv.account, amount: mv.amount });
  }
  for (const p of f.pools) if (p.remaining === '0') anomalies.push({ code: 'pool_exhausted', detail: `the ${p.kind} pool ran out: later causes were clipped`, kind: p.kind });
  for (const k of f.byKind)
    if (k.clipped) anomalies.push({ code: 'caps_hit', detail: `${k.clipped} ${k.kind} entries were clipped by a cap or the pool`, kind: k.kind, clipped: k.clipped });
  for (const r of rings) {
    anomalies.push({
      code: 'purchase_ring',
      detail: `${r.keys} keys of one purchase group witnessed hotspot ${r.hotspot} and counted as ${r.counted === 0 ? "nobody (the owner's own group)" : 'one person'}`,
      hotspot: r.hotspot,
      group: r.group,
      keys: r.keys,
      counted: r.counted,
      ownerGroup: r.ownerGroup,
    });
  }
  if (f.earlier.length) {
    const entries = f.byKind.reduce((n, k) => n + k.entries, 0);
    anomalies.push({
      code: 'late_entries',
      detail: `${entries} entries arrived after epoch ${f.earlier[f.earlier.length - 1]} of this event closed (a late offline decision staff approved, or an admission written as the event ended): check them before paying`,
      after: f.earlier[f.earlier.length - 1],
      entries,
    });
  }
  const previous = f.previous?.manifest as { byKind?: { kind: string; total: string }[]; accounts?: number } | null | undefined;
  if (previous) {
    for (const k of f.byKind) {
      const before = BigInt(previous.byKind?.find((p) => p.kind === k.kind)?.total ?? '0');
      if (before > 0n && BigInt(k.total) > 2n * before)
        anomalies.push({ code: 'kind_surge', detail: `${k.kind} paid more than twice the previous epoch's`, kind: k.kind, total: k.total, previous: before.toString() });
      if (before === 0n && BigInt(k.total) > 0n) anomalies.push({ code: 'new_kind', detail: `${k.kind} paid nothing in the previous epoch`, kind: k.kind });
    }
    if (previous.accounts && f.paid.accounts > 2 * previous.accounts) {
      anomalies.push({ code: 'crowd_surge', detail: 'more than twice the accounts of the previous epoch', accounts: f.paid.accounts, previous: previous.accounts });
    }
  }
  return {
    epochId,
    eventId,
    epochTotal: epochTotal.toString(),
    cumulativeTotal: f.cumulativeTotal,
    accounts: f.paid.accounts,
    byKind: f.byKind,
    largestMovers: f.movers,
    previousEpochId: f.previous?.id ?? null,
    earlierEpochIds: f.earlier,
    anomalies,
  };
}
