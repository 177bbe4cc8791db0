import { fan } from '../fan/rewards-api';

/** An amount of FAN (18 decimals, as the ledger's decimal string) in words: "12.5 FAN", never base units. */
export function fanAmount(amount: unknown): string {
  if (typeof amount !== 'string' || !/^\d+$/.test(amount)) return 'an unknown amount of FAN';
  const shown = fan(amount);
  return shown === '0' && amount !== '0' ? 'less than 0.01 FAN' : `${shown} FAN`;
}

const KIND_WORDS: Record<string, string> = {
  admission: 'Admission',
  verification: 'Steward verification',
  moment: 'Moment',
  witness: 'Witness',
  coverage: 'Hotspot coverage',
  drop: 'Sponsor drop',
};
const kindWords = (kind: unknown) => (typeof kind === 'string' ? (KIND_WORDS[kind] ?? kind.replace(/_/g, ' ')) : 'One kind of');
const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const shortAddress = (a: unknown) => (typeof a === 'string' && /^0x[0-9a-fA-F]{40}$/.test(a) ? `${a.slice(0, 6)}…${a.slice(-4)}` : 'one account');
const count = (n: unknown) => (typeof n === 'number' ? n.toLocaleString() : 'some');

/**
 * One anomaly of an epoch's manifest (libs/rewards manifest.ts: `code` plus its figures, amounts in
 * base units) as a sentence staff can act on, with amounts in FAN.
 */
export function anomalySentence(a: unknown, byKind: { kind: string; total: string }[] = []): string {
  if (typeof a === 'string') return a;
  if (!a || typeof a !== 'object') return 'An anomaly the dashboard cannot describe.';
  const x = a as Record<string, unknown>;
  switch (x.code) {
    case 'outlier_account':
      return `Account ${shortAddress(x.account)} earned ${fanAmount(x.amount)}, more than 10 times the mean per account. Check it before approving.`;
    case 'pool_exhausted':
      return `The ${lower(kindWords(x.kind))} reward pool ran out: later ${lower(kindWords(x.kind))} rewards were clipped.`;
    case 'caps_hit':
      return `${count(x.clipped)} ${lower(kindWords(x.kind))} rewards were clipped by a cap or by the pool.`;
    case 'kind_surge':
      return `${kindWords(x.kind)} rewards paid ${fanAmount(x.total)}, more than twice the previous epoch's ${fanAmount(x.previous)}.`;
    case 'new_kind': {
      const total = byKind.find((k) => k.kind === x.kind)?.total;
      return `${kindWords(x.kind)} rewards paid ${total ? fanAmount(total) : 'something'} this epoch and nothing in the previous one.`;
    }
    case 'crowd_surge':
      return `${count(x.accounts)} accounts are paid, more than twice the previous epoch's ${count(x.previous)}.`;
    default:
      // A code this dashboard does not know yet: the server's own words, never the raw object.
      return typeof x.detail === 'string' ? `${x.detail.charAt(0).toUpperCase()}${x.detail.slice(1)}.` : `An anomaly (${String(x.code ?? 'unknown')}).`;
  }
}
