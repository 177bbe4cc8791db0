/**
 * The API's limits the agent must respect. They are not (yet) in @fanmesh/protocol, so they are
 * mirrored here from where the server defines them; keep them in step:
 *   CLOCK_SKEW_MS                 libs/devices/src/devices.service.ts
 *   MAX_READINGS_PER_ENVELOPE,
 *   READING_MAX_AGE_MS,
 *   READING_MAX_AHEAD_MS,
 *   READING_RANGES, LABEL         libs/sensing/src/reading-rules.ts
 *   ENVELOPE_BODY_MAX             libs/devices/src/dto/device.dto.ts (EnvelopeDto.body MaxLength)
 *   MAX_CHALLENGES_PER_REQUEST    libs/coverage (challenge.request count 1..32)
 */
import type { ReadingKind } from '@fanmesh/protocol';

/** The API refuses an envelope whose sentAt is further than this from its clock. */
export const CLOCK_SKEW_MS = 30_000;
export const MAX_READINGS_PER_ENVELOPE = 2000;
export const READING_MAX_AGE_MS = 10 * 60_000;
export const READING_MAX_AHEAD_MS = 5_000;
export const ENVELOPE_BODY_MAX = 64_000;
export const MAX_CHALLENGES_PER_REQUEST = 32;

export const READING_RANGES: Record<ReadingKind, { min: number; max: number; integer: boolean }> = {
  turnstile: { min: 0, max: 10_000, integer: true },
  occupancy: { min: 0, max: 100_000, integer: true },
  sound: { min: 0, max: 194, integer: false },
  generic: { min: -1e12, max: 1e12, integer: false },
};
export const LABEL = /^[A-Za-z0-9_.:-]{1,32}$/;
