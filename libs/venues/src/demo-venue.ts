import { Stand, STANDS } from './venue.model';

/** The demo stadium every fresh install has: 60,000 seats in 40 sections, 8 gates, one upcoming match. */
export { DEMO_EVENT_ID, DEMO_VENUE_ID } from '@fanmesh/protocol';

const TIERS = [1, 2];
const PER_RING = 5; // sections per stand and tier
const SEATS = 1_500;

export interface DemoSection {
  code: string;
  name: string;
  stand: Stand;
  tier: number;
  capacity: number;
  neighbours: string[];
}

const letter = (s: Stand) => s[0].toUpperCase();
const code = (s: Stand, tier: number, i: number) => `${letter(s)}${tier}${String(i).padStart(2, '0')}`;

export function demoSections(): DemoSection[] {
  const ring = STANDS.flatMap((stand) => Array.from({ length: PER_RING }, (_, k) => ({ stand, index: k + 1 })));
  return TIERS.flatMap((tier) =>
    ring.map(({ stand, index }, pos) => {
      const prev = ring[(pos + ring.length - 1) % ring.length];
      const next = ring[(pos + 1) % ring.length];
      const otherTier = tier === 1 ? 2 : 1;
      return {
        code: code(stand, tier, index),
        name: `${stand[0].toUpperCase()}${stand.slice(1)} stand, tier ${tier}, block ${index}`,
        stand,
        tier,
        capacity: SEATS,
        neighbours: [code(prev.stand, tier, prev.index), code(next.stand, tier, next.index), code(stand, otherTier, index)],
      };
    }),
  );
}

export interface DemoGate {
  code: string;
  name: string;
  sectionCodes: string[];
}

export function demoGates(): DemoGate[] {
  return STANDS.flatMap((stand) =>
    [
      { suffix: 'A', blocks: [1, 2, 3] },
      { suffix: 'B', blocks: [3, 4, 5] },
    ].map(({ suffix, blocks }) => ({
      code: `${letter(stand)}-${suffix}`,
      name: `${stand[0].toUpperCase()}${stand.slice(1)} gate ${suffix}`,
      sectionCodes: TIERS.flatMap((t) => blocks.map((b) => code(stand, t, b))),
    })),
  );
}
