import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hexlify } from 'ethers';
import { DeviceMessageContext, OnDeviceMessage } from '@fanmesh/events';
import type { Challenge } from '@fanmesh/protocol';
import { CoverageError } from './coverage.error';
import { toChallenge } from './coverage.mapper';
import { CoveragePolicyService } from './coverage-policy.service';
import { ChallengeRow, CoverageRepository } from './coverage.repository';
import { networkOf } from './network';

/** Challenges per request, and unanswered live ones per hotspot. */
export const MAX_CHALLENGES_PER_REQUEST = 32;
export const MAX_OUTSTANDING_CHALLENGES = 128;
/** Event statuses in which hotspots are challenged and witnesses count. */
export const OPEN_FOR_COVERAGE = new Set(['gates_open', 'live']);

/** Issuing challenges: the hotspots' `challenge.request` device message. */
@Injectable()
export class ChallengeService {
  constructor(
    private readonly repo: CoverageRepository,
    private readonly policies: CoveragePolicyService,
  ) {}

  /** A hotspot's `{type: 'challenge.request', eventId, count?}`: fresh challenges, written with the envelope's seq. */
  @OnDeviceMessage('challenge.request')
  async issueChallenges(ctx: DeviceMessageContext): Promise<{ challenges: Challenge[] }> {
    const { device, body, tx } = ctx;
    const eventId = body.eventId;
    const count = body.count ?? 1;
    if (typeof eventId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(eventId)) {
      throw new CoverageError('bad_challenge_request', 'challenge.request needs eventId, the uuid of the event.');
    }
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_CHALLENGES_PER_REQUEST) {
      throw new CoverageError('bad_challenge_request', `count must be an integer from 1 to ${MAX_CHALLENGES_PER_REQUEST}.`);
    }
    if (device.kind !== 'hotspot') throw new CoverageError('not_a_hotspot', `Only hotspots are challenged; this device is a ${device.kind}.`);
    // Inside the envelope's transaction: every read goes through `tx` (never a second connection).
    const event = await this.policies.event(eventId.toLowerCase(), tx);
    if (event.venueId !== device.venueId) throw new CoverageError('wrong_venue', 'This hotspot is paired to another venue than the event is at.');
    if (!OPEN_FOR_COVERAGE.has(event.status)) throw new CoverageError('event_not_open', `The event is ${event.status}; challenges are issued while gates are open or the match is live.`);
    const n = count as number;
    if ((await this.repo.outstanding(tx, device.address)) + n > MAX_OUTSTANDING_CHALLENGES) {
      throw new CoverageError('too_many_challenges', `At most ${MAX_OUTSTANDING_CHALLENGES} unanswered challenges per hotspot; let some be answered or expire.`);
    }
    const policy = await this.policies.policy(event.id, tx);
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(issuedAt.getTime() + policy.challengeTtlS * 1000);
    const rows: ChallengeRow[] = Array.from({ length: n }, () => ({
      id: randomUUID(),
      eventId: event.id,
      venueId: event.venueId,
      hotspot: device.address,
      nonce: hexlify(randomBytes(32)),
      issuedAt,
      expiresAt,
      claimedBy: null,
      // Bound to where the hotspot asked from: its phones reach the API through the same uplink.
      network: networkOf(ctx.network) ?? null,
    }));
    await this.repo.insertChallenges(tx, rows);
    return { challenges: rows.map(toChallenge) };
  }
}
