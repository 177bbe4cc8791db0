import { DomainError } from '@fanmesh/common';

export type SensingErrorCode =
  'bad_readings' | 'value_out_of_range' | 'reading_out_of_window' | 'kind_not_allowed' | 'device_kind_not_allowed' | 'sensor_not_at_venue' | 'event_not_found' | 'event_not_open';

const status: Record<SensingErrorCode, number> = {
  bad_readings: 422,
  value_out_of_range: 422,
  reading_out_of_window: 422,
  kind_not_allowed: 422,
  device_kind_not_allowed: 403,
  sensor_not_at_venue: 403,
  event_not_found: 404,
  event_not_open: 409,
};

export class SensingError extends DomainError<SensingErrorCode> {
  get status(): number {
    return status[this.code];
  }
}
