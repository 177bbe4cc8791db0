/** The aggregates a sponsor may export: counts only, never a fan. */
export interface FunnelRows {
  dropId: string;
  targeted: number;
  delivered: number;
  opened: number;
  redeemed: number;
  bySection: { section: string; targeted: number; delivered: number; opened: number; redeemed: number }[];
  timeline: { minute: string; delivered: number; opened: number; redeemed: number }[];
}

export const CSV_HEADER = ['scope', 'key', 'targeted', 'delivered', 'opened', 'redeemed'] as const;

/** One cell, quoted; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export function csvCell(v: string | number): string {
  const s = String(v);
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** RFC 4180 CSV: a row for the total, one per section, one per minute (targeting has no minute: left empty). */
export function analyticsCsv(a: FunnelRows): string {
  const rows: (string | number)[][] = [[...CSV_HEADER], ['total', a.dropId, a.targeted, a.delivered, a.opened, a.redeemed]];
  for (const s of a.bySection) rows.push(['section', s.section, s.targeted, s.delivered, s.opened, s.redeemed]);
  for (const t of a.timeline) rows.push(['minute', t.minute, '', t.delivered, t.opened, t.redeemed]);
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
