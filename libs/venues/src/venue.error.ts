import { DomainError } from '@fanmesh/common';

export type VenueErrorCode =
  | 'venue_not_found'
  | 'section_not_found'
  | 'gate_not_found'
  | 'event_not_found'
  | 'duplicate_code'
  | 'bad_transition'
  | 'unknown_section'
  | 'event_overlaps'
  | 'bad_event_window'
  | 'bad_timezone'
  | 'bad_neighbour'
  | 'bad_seat_map'
  | 'capacity_from_seat_map'
  | 'csv_too_large'
  | 'csv_encoding'
  | 'csv_malformed'
  | 'import_has_errors';

const status: Record<VenueErrorCode, number> = {
  venue_not_found: 404,
  section_not_found: 404,
  gate_not_found: 404,
  event_not_found: 404,
  duplicate_code: 409,
  bad_transition: 409,
  unknown_section: 422,
  event_overlaps: 409,
  bad_event_window: 422,
  bad_timezone: 422,
  bad_neighbour: 422,
  bad_seat_map: 422,
  capacity_from_seat_map: 409,
  csv_too_large: 413,
  csv_encoding: 422,
  csv_malformed: 422,
  import_has_errors: 422,
};

export class VenueError extends DomainError<VenueErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
