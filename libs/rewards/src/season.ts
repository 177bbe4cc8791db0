/**
 * The season an event belongs to: a football season, 1 July to 30 June (UTC), named by its two
 * years ("2026-27"). Season caps count what an account earned across the season's events, and the
 * fairness report (season-report.ts) covers one season. The emission schedule's own seasons are
 * weeks on chain; set EMISSION_START to a 1 July so the two agree (docs/economics.md).
 */
import { parseUnits } from 'ethers';
import { REWARD_KINDS, type RewardKind, SEASON_CAPS } from './reward-rules';

/** The month (1–12) a season starts in. */
export const SEASON_START_MONTH = 7;

export interface Season {
  id: string;
  label: string;
  from: Date;
  to: Date;
}

/** The season holding time `at`. */
export function seasonOf(at: Date): Season {
  const y = at.getUTCMonth() + 1 >= SEASON_START_MONTH ? at.getUTCFullYear() : at.getUTCFullYear() - 1;
  return season(y);
}

/** The season named `id` ("2026-27"), or undefined for anything else. */
export function seasonById(id: string): Season | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) return undefined;
  const y = Number(m[1]);
  return (y + 1) % 100 === Number(m[2]) ? season(y) : undefined;
}

function season(y: number): Season {
  const next = String((y + 1) % 100).padStart(2, '0');
  const month = String(SEASON_START_MONTH).padStart(2, '0');
  return {
    id: `${y}-${next}`,
    label: `${y}/${next} season`,
    from: new Date(`${y}-${month}-01T00:00:00Z`),
    to: new Date(`${y + 1}-${month}-01T00:00:00Z`),
  };
}

/** The season caps: SEASON_CAPS's overrides (FAN per kind) over the defaults; an unknown kind stops the boot with what to write instead. */
export function seasonCapsFrom(overrides: Readonly<Record<string, string>>): Record<RewardKind, bigint> {
  const caps = { ...SEASON_CAPS };
  for (const [kind, fan] of Object.entries(overrides)) {
    if (!(REWARD_KINDS as readonly string[]).includes(kind)) throw new Error(`SEASON_CAPS: no reward kind "${kind}" (the kinds are ${REWARD_KINDS.join(', ')}).`);
    caps[kind as RewardKind] = parseUnits(fan, 18);
  }
  return caps;
}
