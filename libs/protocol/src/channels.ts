/**
 * Realtime channel names: `fan:<address>` (lower case), `event:<uuid>`, `staff:<venueId>`,
 * `sponsor:<sponsorId>`. Who may subscribe where is the API's decision (libs/realtime maySubscribe).
 */
export type ChannelKind = 'fan' | 'event' | 'staff' | 'sponsor';

const PATTERN = /^(fan|event|staff|sponsor):([0-9a-zA-Z-]{1,64})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

export function parseChannel(channel: unknown): { kind: ChannelKind; id: string } | undefined {
  if (typeof channel !== 'string') return undefined;
  const m = PATTERN.exec(channel);
  if (!m) return undefined;
  const kind = m[1] as ChannelKind;
  const id = m[2];
  const ok = kind === 'fan' ? ADDRESS.test(id) : UUID.test(id);
  return ok ? { kind, id } : undefined;
}

/** Channel names, built the one way parseChannel reads them. */
export const channels = {
  fan: (address: string) => `fan:${address.toLowerCase()}`,
  event: (eventId: string) => `event:${eventId}`,
  staff: (venueId: string) => `staff:${venueId}`,
  sponsor: (sponsorId: string) => `sponsor:${sponsorId}`,
} as const;
