import { useEffect, useState } from 'react';
import type { EconomicsView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { economics, fan, kindLabel, percent, seasonBeside, seasonShort } from './economics';
import { EmissionChart } from './EmissionChart';
import { GiniChart } from './GiniChart';
import { PayPerUnitChart } from './PayPerUnitChart';
import type { StaffListen } from './staff-feed';

const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);
const day = (iso: string) => new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'long', year: 'numeric' });

/** The season asked for in the address (`?season=2026-27`), so a reload or a shared link shows the same season. */
const seasonInAddress = () => new URLSearchParams(location.search).get('season') ?? undefined;

/**
 * The season's fairness report: is emission on schedule, does the same work pay the same at every
 * match, are rewards no more unequal than the work, and what the caps clipped. All of it is the
 * server's (GET /rewards/economics); this panel only draws it.
 */
export function EconomicsPanel({ listen }: { listen: StaffListen }) {
  const [season, setSeason] = useState(seasonInAddress);
  const [view, setView] = useState<EconomicsView>();
  const [problem, setProblem] = useState<string>();
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    let closed = false;
    setProblem(undefined);
    economics(season).then(
      (v) => !closed && setView(v),
      (e) => {
        if (closed) return;
        setView(undefined);
        setProblem(words(e));
      },
    );
    return () => {
      closed = true;
    };
  }, [season, asked]);

  // An epoch closing or settling at this venue changes the report: read it again.
  useEffect(() => listen((m) => (m.type === 'rewards.manifest_ready' || m.type === 'rewards.epoch_published' ? setAsked((n) => n + 1) : undefined)), [listen]);

  const go = (id: string) => {
    history.replaceState(null, '', `${location.pathname}?season=${encodeURIComponent(id)}`);
    setView(undefined);
    setSeason(id);
  };
  const shown = view?.season.id ?? season;
  const before = shown && seasonBeside(shown, -1);
  const after = shown && seasonBeside(shown, 1);
  const loading = !view && !problem;

  return (
    <section className="economics" aria-labelledby="economics-title" aria-busy={loading}>
      <div className="row season-row">
        <h2 id="economics-title">Economics{view ? `: ${view.season.label}` : season ? `: ${seasonShort(season)} season` : ''}</h2>
        <div className="actions season-nav">
          {before && (
            <button className="secondary" onClick={() => go(before)} aria-label={`Previous season, ${seasonShort(before)}`}>
              ← {seasonShort(before)}
            </button>
          )}
          {after && (
            <button className="secondary" onClick={() => go(after)} aria-label={`Next season, ${seasonShort(after)}`}>
              {seasonShort(after)} →
            </button>
          )}
        </div>
      </div>
      <p className="muted">
        Is emission on schedule, does the same work pay the same at every match, and are rewards no more unequal than the work behind them? Every venue&rsquo;s matches of the
        season count{view ? `, from ${day(view.season.from)}${view.season.to ? ` until ${day(view.season.to)}` : ''}` : ''}.
      </p>
      {problem && (
        <div role="alert" className="problem">
          <p>Could not read the season&rsquo;s economics: {problem}</p>
          <button className="secondary" onClick={() => setAsked((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {loading && <p className="muted">Loading the season&rsquo;s economics…</p>}
      {view && view.epochs.length === 0 && (
        <p className="panel muted" data-testid="economics-empty">
          No epochs closed this season yet. The report fills in as each match&rsquo;s rewards epoch closes.
        </p>
      )}
      {view && view.epochs.length > 0 && (
        <>
          <div className="kpis">
            <div className="kpi">
              <span className="kpi-label">Emitted this season</span>
              <span className="kpi-value" data-testid="kpi-emitted">
                {fan(view.emitted)} FAN
              </span>
            </div>
            <div className="kpi">
              <span className="kpi-label">Released by the schedule</span>
              <span className="kpi-value" data-testid="kpi-released">
                {view.released === null ? 'no schedule' : `${fan(view.released)} FAN`}
              </span>
            </div>
            <div className="kpi">
              <span className="kpi-label">Epochs · events</span>
              <span className="kpi-value">
                {view.epochs.length} · {view.events.length}
              </span>
            </div>
            <div className="kpi">
              <span className="kpi-label">Top 1% of accounts earned</span>
              <span className="kpi-value" data-testid="kpi-top1">
                {percent(view.top1Share)}
              </span>
            </div>
          </div>
          <div className="charts">
            <EmissionChart epochs={view.epochs} emitted={view.emitted} released={view.released} />
          </div>
          <PayPerUnitChart perUnit={view.perUnit} events={view.events} />
          <div className="panels">
            <GiniChart gini={view.gini} top1Share={view.top1Share} />
            <CapsTable seasonCaps={view.seasonCaps} clipped={view.clipped} />
          </div>
        </>
      )}
      {view && view.epochs.length === 0 && <CapsTable seasonCaps={view.seasonCaps} clipped={view.clipped} />}
    </section>
  );
}

/** The season cap of each kind beside how many entries each limit clipped: the per-event cap, the season cap, an exhausted pool. */
function CapsTable({ seasonCaps, clipped }: { seasonCaps: EconomicsView['seasonCaps']; clipped: EconomicsView['clipped'] }) {
  const kinds = [...new Set([...seasonCaps.map((c) => c.kind), ...clipped.map((c) => c.kind)])];
  const none = clipped.every((c) => c.accountCap + c.seasonCap + c.poolExhausted === 0);
  return (
    <section className="panel" aria-labelledby="caps-title">
      <h3 id="caps-title">Caps and what they clipped</h3>
      <p className="muted">
        {none
          ? 'No entry was clipped this season.'
          : 'Entries paid less than the work asked for, by what cut them: the most one account earns of a kind at one match, in the season, or the match’s pool running out.'}
      </p>
      <table className="caps">
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              Kind
            </th>
            <th scope="col" rowSpan={2}>
              Season cap per account
            </th>
            <th scope="colgroup" colSpan={3} className="num">
              Entries clipped by
            </th>
          </tr>
          <tr>
            <th scope="col" className="num">
              match cap
            </th>
            <th scope="col" className="num">
              season cap
            </th>
            <th scope="col" className="num">
              empty pool
            </th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((kind) => {
            const cap = seasonCaps.find((c) => c.kind === kind);
            const c = clipped.find((x) => x.kind === kind);
            return (
              <tr key={kind} data-kind={kind}>
                <th scope="row">{kindLabel(kind)}</th>
                <td data-testid={`season-cap-${kind}`} data-amount={cap?.cap ?? ''}>
                  {cap ? `${fan(cap.cap)} FAN` : '—'}
                </td>
                <td className="num" data-testid={`clipped-account-${kind}`}>
                  {(c?.accountCap ?? 0).toLocaleString()}
                </td>
                <td className="num" data-testid={`clipped-season-${kind}`}>
                  {(c?.seasonCap ?? 0).toLocaleString()}
                </td>
                <td className="num" data-testid={`clipped-pool-${kind}`}>
                  {(c?.poolExhausted ?? 0).toLocaleString()}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
