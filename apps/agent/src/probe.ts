import { signEnvelope } from '@fanmesh/protocol';
import { ApiClient, NetworkError } from './api';
import type { DeviceKey } from './key';

export type Registration =
  | { state: 'paired' }
  | { state: 'unpaired'; detail: string }
  | { state: 'revoked' | 'denylisted'; detail: string }
  | { state: 'key_mismatch'; detail: string }
  | { state: 'unreachable'; detail: string }
  | { state: 'unknown'; detail: string };

/**
 * Asks the API whether it knows this device, with no effect: a correctly signed envelope whose
 * sentAt is in the year 2000. The API looks the device up and checks its signature, revocation
 * and denylisting before the clock, so the answer says which of those holds, and `clock_skew`
 * means "known and active". It can never be accepted (the clock check refuses it before its seq
 * is looked at), so no seq is spent and it works while the agent itself is running.
 * (Order of checks: libs/devices DevicesService.ingest.)
 */
export async function probeRegistration(api: ApiClient, key: DeviceKey): Promise<Registration> {
  const env = await signEnvelope((d) => key.signDigest(d), key.address, 1, JSON.stringify({ type: 'heartbeat', probe: true }), '2000-01-01T00:00:00.000Z');
  try {
    const a = await api.request('POST', '/api/v1/devices/messages', env);
    const detail = a.body.detail ?? '';
    switch (a.body.code) {
      case 'clock_skew':
      case 'replayed_seq':
        return { state: 'paired' };
      case 'device_not_found':
        return { state: 'unpaired', detail };
      case 'device_revoked':
        return { state: 'revoked', detail };
      case 'denylisted':
        return { state: 'denylisted', detail };
      case 'bad_envelope_signature':
        return { state: 'key_mismatch', detail };
      default:
        return { state: 'unknown', detail: `${a.status} ${a.body.code ?? ''} ${detail}`.trim() };
    }
  } catch (err) {
    if (err instanceof NetworkError) return { state: 'unreachable', detail: err.message };
    throw err;
  }
}
