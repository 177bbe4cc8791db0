import { DomainError } from '@fanmesh/common';
import type { WitnessVerdict } from '@fanmesh/protocol';

export type CoverageErrorCode =
  | 'not_a_hotspot'
  | 'event_not_found'
  | 'wrong_venue'
  | 'event_not_open'
  | 'too_many_challenges'
  | 'hotspot_not_found'
  | 'not_hotspot_owner'
  | 'bad_challenge_request';

const status: Record<CoverageErrorCode, number> = {
  not_a_hotspot: 403,
  event_not_found: 404,
  wrong_venue: 403,
  event_not_open: 409,
  too_many_challenges: 429,
  hotspot_not_found: 404,
  not_hotspot_owner: 403,
  bad_challenge_request: 422,
};

export class CoverageError extends DomainError<CoverageErrorCode> {
  get status(): number {
    return status[this.code];
  }
}

/**
 * Every witness gets exactly one of these, kept for audit; only `valid` counts. In the order they are
 * checked: the first that applies is the verdict (the wire contract's list). Every one is reached by
 * test/coverage/witness.e2e.spec.ts.
 */
export { WITNESS_VERDICTS, type WitnessVerdict } from '@fanmesh/protocol';

/** What each verdict means, for the fan's answer and the owner's report. */
export const VERDICT_MEANING: Record<WitnessVerdict, string> = {
  valid: 'Counted: a fan admitted to this event, seated near the hotspot, co-signed its fresh challenge.',
  unknown_challenge: 'No challenge with this id was ever issued.',
  wrong_event: 'The challenge was issued for another event than the one the phone named.',
  bad_hotspot_signature: "The challenge response was not signed by the hotspot's registered key.",
  bad_fan_signature: "The witness was not signed by the fan's own account.",
  replayed: 'This challenge response was already used; each one counts once.',
  expired_challenge: 'The challenge had expired (or the signing time was outside its life) when the witness arrived.',
  event_closed: 'The event is not open (gates not open yet, or it has ended).',
  hotspot_inactive: 'The hotspot is revoked or on the denylist.',
  own_hotspot: "A hotspot's owner cannot witness their own hotspot.",
  fan_not_admitted: 'The witnessing fan was not admitted to this event.',
  implausible_section: "The fan's seat is not in the hotspot's section or a neighbouring one.",
  not_on_hotspot_network: "The witness did not come through the hotspot's network: a phone on its WiFi reaches FanMesh through the same uplink the hotspot asked for the challenge from. Join the hotspot's WiFi and scan again.",
  impossible_movement:
    'The same phone gave a valid witness to a hotspot two or more sections away moments ago: nobody walks that far that fast, so one of the two was relayed.',
  fan_limit: 'The fan already witnessed the most hotspots allowed in this interval.',
  hotspot_limit: 'The hotspot was already witnessed by the most fans allowed in this interval.',
};
