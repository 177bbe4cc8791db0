import { DomainError } from '@fanmesh/common';

export type VenueErrorCode =
  | 'venue_not_found'
  | 'section_not_found'
  | 'gate_not_found'
  | 'event_not_found'
  | 'duplicate_code'
  | 'bad_transition'
  | 'unknown_section'
  | 'event_overlaps';

const status: Record<VenueErrorCode, number> = {
  venue_not_found: 404,
  section_not_found: 404,
  gate_not_found: 404,
  event_not_found: 404,
  duplicate_code: 409,
  bad_transition: 409,
  unknown_section: 422,
  event_overlaps: 409,
};

export class VenueError extends DomainError<VenueErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
