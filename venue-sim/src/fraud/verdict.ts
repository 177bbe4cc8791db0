import type { ApiClient } from '../client';
import { fanTokens, Ledger, LedgerEntry, sum } from '../ledger';
import type { Stadium } from '../stadium';
import type { CaseOutcome, FraudCase } from './case';

/** One row of the verdict table, computed only from what the API answered. */
export interface VerdictRow {
  scenario: string;
  title: string;
  result: 'pass' | 'FAIL' | 'not run' | 'error';
  attempts: number;
  /** Adversarial actions the API accepted. */
  fraudAccepted: number;
  /** Fraudulent rewards paid, in FAN (smallest units / 10^18); null when the API has no rewards. */
  fraudulentPaid: string | null;
  fraudulentPaidUnits: string | null;
  /** Share of the honest crowd's actions the API accepted. */
  honestAccepted: number | null;
  /** Share of honest rewards paid; null when nothing in this case pays (see note). */
  honestPaid: number | null;
  alerts: number;
  refusals: Record<string, number>;
  notes: string[];
}

/** Reads each account's ledger once per verdict run. */
class LedgerReader {
  private readonly cache = new Map<ApiClient, Promise<LedgerEntry[]>>();
  constructor(readonly ledger: Ledger) {}
  entries(c: ApiClient): Promise<LedgerEntry[]> {
    let e = this.cache.get(c);
    if (!e) this.cache.set(c, (e = this.ledger.entriesOf(c)));
    return e;
  }
}

export async function verdict(
  st: Stadium,
  c: FraudCase,
  o: CaseOutcome,
  window: { from: number; to: number },
  reader: LedgerReader | undefined,
  paidKinds: Set<string>,
): Promise<VerdictRow> {
  const notes = [...o.notes];
  let fraudUnits: bigint | null = null;
  let honestPaid: number | null = null;
  if (reader) {
    fraudUnits = 0n;
    for (const account of o.fraudAccounts) fraudUnits += sum(await reader.entries(await account()));
    for (const k of o.fraudKinds ?? []) fraudUnits += sum((await reader.entries(await k.account())).filter((e) => k.kinds.includes(e.kind)));
    for (const once of o.oncePerAccount ?? []) {
      const of = (await reader.entries(await once.account())).filter((e) => e.kind === once.kind);
      fraudUnits += sum(of.slice(1));
    }
    const checkable = o.honestClaims.filter((h) => paidKinds.has(h.kind));
    const unpaidKinds = [...new Set(o.honestClaims.filter((h) => !paidKinds.has(h.kind)).map((h) => h.kind))];
    if (unpaidKinds.length) notes.push(`the ledger holds no ${unpaidKinds.join('/')} entry for anyone at this event: not counted in honest paid`);
    if (checkable.length) {
      let paid = 0;
      for (const h of checkable) if ((await reader.entries(await h.account())).some((e) => e.kind === h.kind && BigInt(e.amount) > 0n)) paid++;
      honestPaid = paid / checkable.length;
    }
  }
  const alerts = st.feed ? st.feed.alertsBetween(window.from, window.to, o.alertFilter ?? (() => false)).length : 0;
  const honestAccepted = o.honestTried ? o.honestAccepted / o.honestTried : null;
  const ok = o.accepted === 0 && (fraudUnits ?? 0n) === 0n && (honestAccepted === null || honestAccepted >= 0.99) && (honestPaid === null || honestPaid >= 0.99);
  return {
    scenario: c.id,
    title: c.title,
    result: ok ? 'pass' : 'FAIL',
    attempts: o.attempts,
    fraudAccepted: o.accepted,
    fraudulentPaid: fraudUnits === null ? null : fanTokens(fraudUnits),
    fraudulentPaidUnits: fraudUnits === null ? null : fraudUnits.toString(),
    honestAccepted,
    honestPaid,
    alerts,
    refusals: o.refusals,
    notes,
  };
}

export async function ledgerFor(st: Stadium): Promise<{ reader?: LedgerReader; paidKinds: Set<string> }> {
  const ledger = new Ledger(st.op.client, st.eventId);
  if (!(await ledger.available())) return { paidKinds: new Set() };
  await ledger.settle();
  const totals = await ledger.totals();
  return {
    reader: new LedgerReader(ledger),
    paidKinds: new Set(
      Object.entries(totals)
        .filter(([, t]) => t.entries > 0)
        .map(([k]) => k),
    ),
  };
}

export const notRun = (c: FraudCase, why: string, result: VerdictRow['result'] = 'not run'): VerdictRow => ({
  scenario: c.id,
  title: c.title,
  result,
  attempts: 0,
  fraudAccepted: 0,
  fraudulentPaid: null,
  fraudulentPaidUnits: null,
  honestAccepted: null,
  honestPaid: null,
  alerts: 0,
  refusals: {},
  notes: [why],
});
