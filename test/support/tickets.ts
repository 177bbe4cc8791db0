import { BaseWallet, getBytes, Wallet } from 'ethers';
import request from 'supertest';
import { encodeQr, qrDigest, QR_WINDOW_SECONDS, windowAt } from '@fanmesh/protocol';

export interface IssuedTicket {
  id: string;
  eventId: string;
  holder: string;
  section: string;
  seat: string;
  tier: string;
  version: number;
  issuerSignature: string;
  wallet: BaseWallet;
}

/**
 * Waits, when needed, until at least `marginMs` are left in the current code window. A test that
 * makes a previous-window code and expects it taken would otherwise lose to a rotation between
 * making it and the server judging it: the code would then be two windows old (expired_code).
 */
export async function clearOfWindowEdge(marginMs = 3_000): Promise<void> {
  const windowMs = QR_WINDOW_SECONDS * 1000;
  const left = (windowAt(Date.now()) + 1) * windowMs - Date.now();
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** The rotating code a fan's phone shows: the holder's signature over ticket, version and window. */
export function qrFor(ticket: { id: string; version: number }, wallet: BaseWallet, windowOffset = 0, at = Date.now()): string {
  const window = windowAt(at) + windowOffset;
  const signature = wallet.signingKey.sign(getBytes(hashForWallet(ticket.id, ticket.version, window))).serialized;
  return encodeQr({ ticketId: ticket.id, version: ticket.version, window, signature: getBytes(signature) });
}

// personal_sign over the 32-byte digest, as the PWA does with wallet.signMessage(bytes)
import { hashMessage } from 'ethers';
function hashForWallet(ticketId: string, version: number, window: number): string {
  return hashMessage(getBytes(qrDigest(ticketId, version, window)));
}

let slots = 0;

/**
 * A start time no other event of this test run has: a venue refuses events whose windows (three
 * hours by default) overlap. Each is 02:00 UTC of a day of its own, far from the demo match the
 * migrations seed for tomorrow evening.
 */
export function eventSlot(): string {
  return new Date(Date.UTC(2030, 0, 1, 2) + slots++ * 24 * 3600_000).toISOString();
}

export async function createEvent(url: string, auth: string, venueId: string, name = 'Match'): Promise<string> {
  const { body } = await request(url).post('/api/v1/events').set('authorization', auth).send({ venueId, name, startsAt: eventSlot() }).expect(201);
  return body.id;
}

export async function openGates(url: string, auth: string, eventId: string): Promise<void> {
  await request(url).post(`/api/v1/events/${eventId}/transitions`).set('authorization', auth).send({ to: 'gates_open' }).expect(200);
}

/** Issues one ticket per fan in the given sections, each bound to a fresh real key. */
export async function issueTickets(url: string, auth: string, eventId: string, count: number, sections: string[]): Promise<IssuedTicket[]> {
  const wallets = Array.from({ length: count }, () => Wallet.createRandom());
  const tickets = wallets.map((w, i) => ({
    holder: w.address,
    section: sections[i % sections.length],
    seat: `${Math.floor(i / sections.length) + 1}`,
    tier: i % 10 === 0 ? 'vip' : 'standard',
  }));
  const out: IssuedTicket[] = [];
  for (let i = 0; i < tickets.length; i += 5000) {
    const { body } = await request(url)
      .post(`/api/v1/events/${eventId}/tickets`)
      .set('authorization', auth)
      .send({ tickets: tickets.slice(i, i + 5000) })
      .expect(201);
    out.push(...body.tickets.map((t: Omit<IssuedTicket, 'wallet'>, k: number) => ({ ...t, wallet: wallets[i + k] })));
  }
  return out;
}
