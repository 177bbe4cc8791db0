import type { VerdictRow } from './fraud/verdict';
import { asFan, GINI_MARGIN, kindsIn, type PerUnitFigure, type SeasonMatch, type SeasonReport } from './scenarios/season';

const pct = (x: number | null) => (x === null ? 'n/a' : `${(Math.floor(x * 1000) / 10).toFixed(1)}%`);

/** The verdict table: one row per fraud scenario, from what the API answered. */
export function verdictTable(rows: VerdictRow[]): string {
  const head = ['scenario', 'result', 'attempts', 'fraud accepted', 'fraudulent paid (FAN)', 'honest accepted', 'honest paid', 'alerts'];
  const body = rows.map((r) => [
    r.scenario,
    r.result,
    String(r.attempts),
    String(r.fraudAccepted),
    r.fraudulentPaid ?? (r.result === 'not run' || r.result === 'error' ? '-' : 'n/a (rewards not available)'),
    pct(r.honestAccepted),
    r.result === 'not run' || r.result === 'error' ? '-' : pct(r.honestPaid),
    String(r.alerts),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  for (const r of rows) {
    const refused = Object.entries(r.refusals)
      .map(([k, v]) => `${k} ×${v}`)
      .join(', ');
    out.push(`${r.scenario}: ${[refused && `refused: ${refused}`, ...r.notes].filter(Boolean).join('; ')}`);
  }
  return out.join('\n');
}

/** A two-column summary. */
export function summaryTable(entries: Record<string, string | number>): string {
  const w = Math.max(...Object.keys(entries).map((k) => k.length));
  return Object.entries(entries)
    .map(([k, v]) => `${k.padEnd(w)}  ${v}`)
    .join('\n');
}

/** A table with a header row; columns whose cells are numbers are right-aligned. */
export function grid(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d,.]+%?$|^-$|^n\/a$/.test(r[i])));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ABBR: Record<string, string> = { admission: 'adm', verification: 'ver', moment: 'mom', witness: 'wit', coverage: 'cov', sensing: 'sens', drop: 'drop' };
const int = (n: number) => n.toLocaleString('en-US');
const fan = (x: number | null, digits = 3) => (x === null ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const units = (u: string) => fan(asFan(u), 1);
const share = (x: number | null, digits = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const met = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'met' : 'NOT MET');

/** The season's fairness report: the matches, then the season's figures against issue 22's targets. */
export function seasonText(r: SeasonReport): string {
  const k = (m: SeasonMatch, kind: string) => m.byKind.find((x) => x.kind === kind);
  const per1k = (x: number | null) => (x === null ? '-' : fan(x * 1000));
  const kinds = kindsIn(r.matches);
  const abbr = (kind: string) => ABBR[kind] ?? kind;
  const paidTable = grid(
    ['#', 'ground', 'fans', 'hotspots', 'admitted', 'denied', 'moments', ...kinds.map((x) => `${abbr(x)} FAN`), 'total FAN', 'fraud FAN', 'epoch'],
    r.matches.map((m) => [
      String(m.match),
      m.ground,
      int(m.fans),
      int(m.hotspots),
      int(m.admitted),
      int(Object.values(m.denied).reduce((a, b) => a + b, 0)),
      String(m.moments.confirmed),
      ...kinds.map((x) => units(k(m, x)?.paid ?? '0')),
      units(m.paid),
      units(m.fraud.paid),
      m.epoch.status,
    ]),
  );
  const perUnitTable = grid(
    ['#', 'ground', ...kinds.map((x) => (x === 'coverage' ? 'cov /1k pts' : `${abbr(x)} /unit`)), 'before: cov /1k pts'],
    r.matches.map((m) => [
      String(m.match),
      m.ground,
      ...kinds.map((x) => {
        const v = k(m, x)?.perUnit ?? null;
        return x === 'coverage' ? per1k(v) : fan(v);
      }),
      per1k(m.before.perPoint),
    ]),
  );
  const s = r.season;
  const perUnitLine = (p: PerUnitFigure) => {
    const scaleNote = p.kind === 'coverage' ? ' per 1,000 points' : '';
    const mean = p.meanFan === null ? 'nothing paid' : `${fan(p.kind === 'coverage' ? p.meanFan * 1000 : p.meanFan)} FAN${scaleNote} mean`;
    const target = p.target === null ? '' : ` (target ≤ ${share(p.target, 0)}): ${met(p.met)}`;
    const season = p.seasonCov === null && p.seasonEvents === null ? '' : `; season-wide ${share(p.seasonCov)} over ${p.seasonEvents} events`;
    return `${mean}, CoV ${share(p.cov)} over ${p.events} matches${target}${season}`;
  };
  const clipped = s.clipped
    ? s.clipped
        .filter((c) => c.accountCap + c.seasonCap + c.poolExhausted > 0)
        .map((c) => `${c.kind}: ${c.accountCap} event cap, ${c.seasonCap} season cap, ${c.poolExhausted} pool exhausted`)
        .join('; ') || 'none'
    : 'n/a (GET /rewards/economics not available)';
  const endpoint = s.economics === 'available' ? '' : ' (n/a: GET /rewards/economics not available)';
  const before = s.before.coverage;
  const byCase = new Map<string, { n: number; pass: number }>();
  for (const row of r.matches.flatMap((m) => m.fraud.cases)) {
    const c = byCase.get(row.scenario) ?? { n: 0, pass: 0 };
    c.n++;
    if (row.result === 'pass') c.pass++;
    byCase.set(row.scenario, c);
  }
  const sizes = (f: (m: SeasonMatch) => number) => `${int(Math.min(...r.matches.map(f)))}–${int(Math.max(...r.matches.map(f)))}`;
  return [
    `Season of ${r.matches.length} matches at scale ${r.scale}: full-size crowds of ${sizes((m) => m.fullSizeFans)} fans at grounds with ${sizes((m) => m.fullSizeHotspots)} hotspots,`,
    `played here as ${sizes((m) => m.fans)} fans and ${sizes((m) => m.hotspots)} hotspots, ${r.secondsPerMatch} s a match; one crowd of ${int(r.crowd)} fans (the same keys all season).`,
    `Per-unit pay, CoV, Gini and shares compare like with like at any scale; totals are the scaled season's.`,
    r.chainWeeks
      ? `The chain's clock moved a week between matches (${r.chainWeeks} weeks): the emission schedule released a week's FAN per match, and the rate controller stepped against it.`
      : `All matches within one chain week: the rate controller stepped against one week's release (run with --weekly on the embedded chain for a week per match).`,
    '',
    'Paid per match (FAN):',
    paidTable,
    '',
    'Pay per unit of verified work (FAN; coverage per 1,000 score points, one witnessing person at full uptime and quality):',
    perUnitTable,
    '',
    summaryTable({
      'emission (this run)': `${units(s.emitted)} FAN paid at ${s.runEvents} matches`,
      'emission vs schedule (season)':
        s.seasonEmitted === null
          ? `n/a${endpoint}`
          : `${units(s.seasonEmitted)} FAN emitted in season ${s.id} (${s.seasonEvents} events), released ${s.released === null ? 'n/a (no schedule to read)' : `${units(s.released)} FAN: ${s.withinSchedule ? 'within the schedule' : 'ABOVE the schedule'}`}`,
      'emission / schedule (season)':
        s.scheduleShare === null ? 'n/a (no schedule to read)' : `${share(s.scheduleShare)} of the release (target within 1%): ${met(s.scheduleMet!)}`,
      ...Object.fromEntries(s.perUnit.map((p) => [`${p.kind} per unit`, perUnitLine(p)])),
      'coverage per point, before (counterfactual)': `${before.meanPerPoint === null ? '-' : fan(before.meanPerPoint * 1000)} FAN per 1,000 points mean, CoV ${share(before.cov)} (now ${share(before.nowCov)}); would have paid ${units(before.paid)} FAN for coverage (now ${units(before.nowPaid)})`,
      'Gini rewards / contribution': s.gini
        ? `${s.gini.rewards.toFixed(3)} / ${s.gini.contribution.toFixed(3)} over ${int(s.gini.accounts)} accounts (target rewards ≤ contribution + ${GINI_MARGIN}): ${met(s.gini.met)}`
        : `n/a${endpoint}`,
      'top-1% share of emission': s.top1Share === null ? `n/a${endpoint}` : share(s.top1Share),
      "fraud's share of emission": `${units(s.fraud.paid)} FAN of ${units(s.fraud.emitted)} (${share(s.fraud.share, 3)}) to ${s.fraud.accounts} adversary accounts (target 0): ${met(s.fraud.met)}`,
      'fraud cases (pass / run)': [...byCase].map(([id, c]) => `${id} ${c.pass}/${c.n}`).join(', ') || 'none',
      'clipped entries': clipped,
      'rate factors now': s.factors
        ? Object.entries(s.factors)
            .map(([kind, bps]) => `${kind} ${share(bps / 10_000, 1)}`)
            .join(', ')
        : 'n/a',
      'wall time (s)': r.wallSeconds.toFixed(1),
      errors: `${r.errors}${r.matches.some((m) => m.errorSamples.length) ? ` (first: ${r.matches.find((m) => m.errorSamples.length)!.errorSamples[0]})` : ''}`,
    }),
    '',
    `before: ${s.before.rule}.`,
    ...(s.seasonEvents !== null && s.seasonEvents > s.runEvents
      ? [
          `note: season ${s.id} also holds ${s.seasonEvents - s.runEvents} events this run did not play; the season-wide figures (emission, Gini, top 1%, clipped) include them (a fresh DATA_DIR gives this run alone).`,
        ]
      : []),
    ...r.matches
      .filter((m) => Object.keys(m.denied).length)
      .map(
        (m) =>
          `match ${m.match}: denied ${Object.entries(m.denied)
            .map(([why, n]) => `${why} ×${n}`)
            .join(', ')}${m.denied.expired_code ? ' (an expired code: the API answered too slowly for this compression; give more --seconds)' : ''}`,
      ),
    ...r.matches.filter((m) => m.epoch.note).map((m) => `match ${m.match}: epoch ${m.epoch.id ?? '-'} ${m.epoch.status}: ${m.epoch.note}`),
    ...r.matches.flatMap((m) => m.fraud.cases.filter((c) => c.result !== 'pass').map((c) => `match ${m.match}: ${c.scenario} ${c.result}: ${c.notes.join('; ')}`)),
  ].join('\n');
}
