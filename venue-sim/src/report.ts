import type { VerdictRow } from './fraud/verdict';

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
