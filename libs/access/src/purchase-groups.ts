import { createHash } from 'node:crypto';

/**
 * Purchase groups: who bought tickets together. A group id is opaque (an md5 of the event and what
 * ties the tickets, never the contact itself), the same for every ticket one buyer got at one event:
 * issued to one address, or imported for one contact. A key that claims tickets of several groups
 * joins them (TicketRepository.claimed). The migration grouped older tickets the same way.
 */
export function buyerGroup(eventId: string, address: string): string {
  return md5(`${eventId}:buyer:${address.toLowerCase()}`);
}

export function contactGroup(eventId: string, contact: string): string {
  return md5(`${eventId}:contact:${contact.trim().toLowerCase()}`);
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
