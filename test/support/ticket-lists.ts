import request from 'supertest';

/** One row of a ticketing system's export, as the venue downloads it. */
export interface ListRow {
  order: string;
  section: string;
  seat: string;
  tier: string;
  email: string;
}

/** A CSV as a ticketing system exports it: an extra column the importer ignores, quoted cells, CRLF. */
export function ticketCsv(rows: ListRow[], header = 'Order Ref,Buyer name,Section,Seat,Tier,Email'): Buffer {
  const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = rows.map((r, i) => [r.order, `Buyer ${i + 1}`, r.section, r.seat, r.tier, r.email].map(q).join(','));
  return Buffer.from([header, ...lines].join('\r\n') + '\r\n', 'utf8');
}

/** `count` good rows in the given sections, order refs `${prefix}-0001`…, one contact each. */
export function goodRows(count: number, sections: string[], prefix = 'ORD'): ListRow[] {
  return Array.from({ length: count }, (_, i) => ({
    order: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    section: sections[i % sections.length],
    seat: `${Math.floor(i / sections.length) + 1}`,
    tier: i % 5 === 0 ? 'vip' : 'standard',
    email: `buyer.${prefix.toLowerCase()}.${i + 1}@example.org`,
  }));
}

export function importList(url: string, auth: string, eventId: string, file: Buffer, dryRun: boolean, extra: Record<string, unknown> = {}) {
  return request(url)
    .post(`/api/v1/events/${eventId}/tickets/import`)
    .set('authorization', auth)
    .send({ file: file.toString('base64'), dryRun, ...extra });
}

/** The token of a claim link URL (…/claim/<token>). */
export const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
