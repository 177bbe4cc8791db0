import type { AccountEarning, ClaimStanding, EventEpoch } from '@fanmesh/directory';
import type { DeviceEarningStatus, DeviceRefusalView } from '@fanmesh/protocol';
import type { Refusal, RefusalRow } from './device-owner.repository';

/** What each refusal code means for an owner, and what to fix; a code missing here is shown with a generic sentence. */
export const REFUSAL_MEANINGS: Record<string, string> = {
  value_out_of_range: 'A value was outside what this kind of sensor can measure. Check the sensor’s units and calibration.',
  reading_out_of_window: 'Readings were more than 10 minutes old when sent, or from the future. Check the device’s clock and connection.',
  clock_skew: 'The device’s clock is more than 30 seconds off. Turn on automatic time (NTP) on the device.',
  event_not_open: 'The match was not open: readings count from gates open until the end.',
  event_not_found: 'The readings named a match that does not exist. Check the event the device is set to.',
  sensor_not_at_venue: 'The readings named a match at another venue than the device’s.',
  kind_not_allowed: 'The device sent a kind of reading it may not send (a turnstile sends only entry counts).',
  device_kind_not_allowed: 'This kind of device cannot send readings.',
  bad_readings: 'The readings were not in the expected format. Update the FanMesh agent on the device.',
  unsupported_body: 'The device sent a message FanMesh does not understand. Update the FanMesh agent on the device.',
  replayed_seq: 'A message arrived again after it had already been received (a resend after a network hiccup). Nothing was lost or counted twice.',
  denylisted: 'The device was on the denylist, so its messages were refused. You can appeal from this card.',
  device_revoked: 'The device was revoked, so its messages are refused.',
};

export const meaningOf = (reason: string) => REFUSAL_MEANINGS[reason] ?? `Refused (${reason}).`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a correctly signed message that was refused adds to its device's counts: its body type, the event it named, how many readings it carried. */
export function refusalOf(device: string, body: string, reason: string, detail: string): Refusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const b = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const bodyType = typeof b.type === 'string' && /^[a-z][a-z0-9_.-]{0,31}$/.test(b.type) ? b.type : 'unknown';
  const eventId = typeof b.eventId === 'string' && UUID.test(b.eventId) ? b.eventId.toLowerCase() : null;
  const readings = Array.isArray(b.readings) ? b.readings.length : 0;
  return { device, eventId, bodyType, reason, readings, detail: detail.slice(0, 300) };
}

/** Refusal rows (several body types may share a reason) as the owner reads them, most messages first. */
export function refusalViews(rows: RefusalRow[]): DeviceRefusalView[] {
  const byReason = new Map<string, DeviceRefusalView>();
  for (const r of rows) {
    const v = byReason.get(r.reason);
    const lastAt = r.lastAt.toISOString();
    if (!v) {
      byReason.set(r.reason, { reason: r.reason, meaning: meaningOf(r.reason), envelopes: r.envelopes, readings: r.readings, lastAt, lastDetail: r.lastDetail });
      continue;
    }
    v.envelopes += r.envelopes;
    v.readings += r.readings;
    if (lastAt > v.lastAt) [v.lastAt, v.lastDetail] = [lastAt, r.lastDetail];
  }
  return [...byReason.values()].sort((a, b) => b.envelopes - a.envelopes || a.reason.localeCompare(b.reason));
}

/**
 * Where an epoch's earnings stand for the owner: from the epoch's status, and once it is published,
 * from the claim on chain (claimed when the distributor has paid out at least the cumulative amount
 * the epoch's tree holds for the account).
 */
export function earningStatus(epoch: Pick<AccountEarning, 'epochStatus' | 'cumulative'> | EventEpoch | undefined, claim: ClaimStanding | undefined): DeviceEarningStatus {
  const status = epoch && ('epochStatus' in epoch ? epoch.epochStatus : epoch.status);
  switch (status) {
    case undefined:
    case null:
      return 'open';
    case 'pending_approval':
      return 'pending';
    case 'approved':
    case 'tree_built':
    case 'publishing':
      return 'settling';
    case 'failed':
      return 'delayed';
    case 'rejected':
      return 'rejected';
    case 'published': {
      const cumulative = epoch && 'cumulative' in epoch ? epoch.cumulative : null;
      if (!claim || cumulative === null || (claim.status !== 'claimable' && claim.status !== 'claimed')) return 'published';
      return BigInt(claim.claimed) >= BigInt(cumulative) ? 'claimed' : 'claimable';
    }
  }
}
