import type { EconomicsView } from '@fanmesh/protocol';
import { gini, GINI_SLACK, percent } from './economics';

/** Whether rewards are no more unequal than the work behind them, in words. */
export function giniVerdict(g: EconomicsView['gini']): { words: string; ok: boolean } {
  const ok = g.rewards <= g.contribution + GINI_SLACK;
  return ok
    ? { ok, words: `Rewards are no more unequal than the work behind them: Gini ${gini(g.rewards)} for rewards, ${gini(g.contribution)} for the work.` }
    : {
        ok,
        words: `Rewards are more unequal than the work behind them: Gini ${gini(g.rewards)} for rewards against ${gini(g.contribution)} for the work (fine up to ${gini(g.contribution + GINI_SLACK)}). Check the caps and the pools.`,
      };
}

/**
 * The Gini of what accounts were paid beside the Gini of their verified work (0: everyone alike,
 * 1: one account has everything), on one 0–1 scale, with the most rewards may reach marked.
 */
export function GiniChart({ gini: g, top1Share }: { gini: EconomicsView['gini']; top1Share: number }) {
  const verdict = giniVerdict(g);
  const limit = Math.min(1, g.contribution + GINI_SLACK);
  const rows = [
    { key: 'rewards', label: 'Rewards paid', value: g.rewards },
    { key: 'contribution', label: 'Work done', value: g.contribution },
  ];
  return (
    <section className="panel" aria-labelledby="fairness-title">
      <h3 id="fairness-title">Who earned it</h3>
      {g.accounts === 0 ? (
        <p className="muted">Nobody has been paid this season yet.</p>
      ) : (
        <>
          <div
            className="gini-bars"
            role="img"
            aria-label={`Inequality across ${g.accounts.toLocaleString()} accounts: Gini ${gini(g.rewards)} for rewards and ${gini(g.contribution)} for the work behind them, on a scale from 0 (everyone alike) to 1.`}
          >
            {rows.map((r) => (
              <div className="gini-row" key={r.key} data-testid={`gini-${r.key}`} data-value={r.value}>
                <span className="gini-label">{r.label}</span>
                <span className="bar-track">
                  <span className={`bar-fill${r.key === 'rewards' && !verdict.ok ? ' over' : ''}`} style={{ width: `${r.value * 100}%` }} />
                  {r.key === 'rewards' && <span className="gini-limit" style={{ left: `${limit * 100}%` }} />}
                </span>
                <span className="gini-value">{gini(r.value)}</span>
              </div>
            ))}
            <div className="gini-scale muted">
              <span>0: all alike</span>
              <span>1: one has all</span>
            </div>
          </div>
          <p className={verdict.ok ? 'econ-ok' : 'econ-warn'} data-testid="gini-verdict">
            {verdict.ok ? '' : '⚠ '}
            {verdict.words}
          </p>
          <p data-testid="top1-share" data-value={top1Share}>
            The top 1% of the season&rsquo;s {g.accounts.toLocaleString()} {g.accounts === 1 ? 'account' : 'accounts'} (at least one) earned <strong>{percent(top1Share)}</strong>{' '}
            of its FAN.
          </p>
        </>
      )}
    </section>
  );
}
