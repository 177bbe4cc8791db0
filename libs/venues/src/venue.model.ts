import type { EventStatus, SeatMap } from '@fanmesh/protocol';

export const STANDS = ['north', 'east', 'south', 'west'] as const;
export type Stand = (typeof STANDS)[number];

/** A row of `venues`. */
export interface VenueRow {
  id: string;
  name: string;
  city: string;
  timezone: string;
  createdAt: Date;
}

/** A block of seats; `neighbours` are the codes of adjacent sections (coverage plausibility uses them). */
export interface SectionRow {
  id: string;
  venueId: string;
  code: string;
  name: string;
  stand: Stand;
  tier: number;
  capacity: number;
  neighbours: string[];
  /** The drawn seat plan (its seats are the capacity), or null. */
  seatMap: SeatMap | null;
}

/** An entrance; it admits tickets of the sections it serves. */
export interface GateRow {
  id: string;
  venueId: string;
  code: string;
  name: string;
  sectionCodes: string[];
}

/** A row of `events`, with its venue's name. */
export interface EventRow {
  id: string;
  venueId: string;
  venueName: string;
  name: string;
  homeTeam: string | null;
  awayTeam: string | null;
  startsAt: Date;
  /** The end of the event's time window (no two events of a venue overlap; a fan is in one at a time). */
  endsAt: Date;
  status: EventStatus;
  statusChangedAt: Date;
  version: number;
  createdAt: Date;
}
