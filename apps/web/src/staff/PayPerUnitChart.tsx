import type { EconomicsView } from '@fanmesh/protocol';
import { COV_LIMIT, fanFine, fanNumber, kindLabel, kindUnit, percent } from './economics';

type Stat = EconomicsView['perUnit'][number];
type Paid = { eventId: string; name: string; startsAt: string; perUnit: string; units: string; paid: string };

/** The chart's drawing box (the SVG stretches to the width; nothing in it is text, so nothing distorts). */
const W = 300;
const H = 72;

/** "varies 4% across 12 events", and whether that is more than the kind is expected to vary. */
export function variation(kind: string, stat: Stat): { words: string; warn: boolean } {
  if (stat.cov === null) return { words: `one event so far (${stat.events}): nothing to compare yet`, warn: false };
  const limit = COV_LIMIT[kind];
  const warn = limit !== undefined && stat.cov > limit;
  return { words: `varies ${percent(stat.cov)} across ${stat.events} events${warn ? `, more than the ${percent(limit)} expected` : ''}`, warn };
}

/** One kind's pay per unit at each event of the season, oldest first, with the season's mean as a dashed line. */
function KindMultiple({ stat, series }: { stat: Stat; series: Paid[] }) {
  const { words, warn } = variation(stat.kind, stat);
  const values = series.map((s) => fanNumber(s.perUnit));
  const mean = fanNumber(stat.mean);
  const top = Math.max(mean, ...values) || 1;
  const step = W / Math.max(series.length, 1);
  const bar = Math.max(1, Math.min(step * 0.7, 40));
  const y = (v: number) => H - (v / top) * (H - 4);
  const low = series.reduce<Paid | undefined>((m, s) => (!m || fanNumber(s.perUnit) < fanNumber(m.perUnit) ? s : m), undefined);
  const high = series.reduce<Paid | undefined>((m, s) => (!m || fanNumber(s.perUnit) > fanNumber(m.perUnit) ? s : m), undefined);
  const label =
    `${kindLabel(stat.kind)} pay ${kindUnit(stat.kind)} at ${series.length} ${series.length === 1 ? 'event' : 'events'}: ` +
    series.map((s) => `${s.name} ${fanFine(s.perUnit)} FAN`).join(', ') +
    `; mean ${fanFine(stat.mean)} FAN, ${words}.`;
  return (
    <figure className={`per-unit${warn ? ' per-unit-warn' : ''}`} data-kind={stat.kind}>
      <figcaption>
        <strong>{kindLabel(stat.kind)}</strong> <span className="muted">{kindUnit(stat.kind)}</span>
      </figcaption>
      <p className="per-unit-mean">
        mean <strong data-testid={`mean-${stat.kind}`}>{fanFine(stat.mean)} FAN</strong>
      </p>
      <p className={warn ? 'cov econ-warn' : 'cov'} data-testid={`cov-${stat.kind}`} data-cov={stat.cov ?? ''}>
        {warn ? '⚠ ' : ''}
        {words}
      </p>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label} className="per-unit-bars">
        <line x1="0" x2={W} y1={H - 0.5} y2={H - 0.5} className="axis" vectorEffect="non-scaling-stroke" />
        {series.map((s, i) => (
          <rect key={s.eventId} x={i * step + (step - bar) / 2} width={bar} y={y(values[i])} height={H - y(values[i])} className="bar" data-event={s.eventId}>
            <title>{`${s.name}: ${fanFine(s.perUnit)} FAN`}</title>
          </rect>
        ))}
        <line x1="0" x2={W} y1={y(mean)} y2={y(mean)} className="mean" vectorEffect="non-scaling-stroke" />
      </svg>
      {low && high && series.length > 1 && (
        <p className="muted per-unit-range">
          lowest {fanFine(low.perUnit)} FAN at {low.name}; highest {fanFine(high.perUnit)} FAN at {high.name}
        </p>
      )}
    </figure>
  );
}

/** Pay per unit of work, per kind, across the season's events: the same work should pay about the same at every match. */
export function PayPerUnitChart({ perUnit: all, events }: { perUnit: EconomicsView['perUnit']; events: EconomicsView['events'] }) {
  const perUnit = all.filter((p) => p.events > 0); // kinds nobody did this season have nothing to draw
  const seriesOf = (kind: string): Paid[] =>
    events.flatMap((e) =>
      e.byKind.filter((k) => k.kind === kind).map((k) => ({ eventId: e.eventId, name: e.name, startsAt: e.startsAt, perUnit: k.perUnit, units: k.units, paid: k.paid })),
    );
  return (
    <section className="panel" aria-labelledby="per-unit-title">
      <h3 id="per-unit-title">Pay per unit of work, event by event</h3>
      {perUnit.length === 0 ? (
        <p className="muted">No event of this season has paid for work yet.</p>
      ) : (
        <>
          <p className="muted">Each bar is one match, oldest first; the dashed line is the season&rsquo;s mean.</p>
          <div className="per-unit-grid">
            {perUnit.map((p) => (
              <KindMultiple key={p.kind} stat={p} series={seriesOf(p.kind)} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
