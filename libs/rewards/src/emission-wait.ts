import { Contract, formatUnits } from 'ethers';
import { EMISSION_WEEK_SECONDS, emissionAllowanceAt, EmissionSchedule } from '@fanmesh/chain';

/** How far ahead the wait message looks for the week the schedule covers a total (ten years). */
const LOOK_AHEAD_WEEKS = 520n;

/**
 * Why epoch `epochId` (cumulative `total`) cannot be published yet under the distributor's emission
 * schedule, or undefined when the schedule has released enough. Publishing now would revert
 * (`RewardsEpochExceedsSchedule`) and fail the epoch; waiting in `tree_built` publishes it the first
 * pass after the week that releases enough begins. A distributor from before 1.2.0 has no schedule.
 */
export async function emissionWait(distributor: Contract, epochId: string, total: bigint): Promise<string | undefined> {
  let allowed: bigint;
  try {
    allowed = await distributor.allowance({ blockTag: 'latest' });
  } catch {
    return undefined; // no schedule to wait for: the contract itself is the judge
  }
  if (allowed >= total) return undefined;
  const read = await readSchedule(distributor);
  if (!read) return undefined;
  const { schedule, releasedBefore, now } = read;
  const from = now > schedule.start ? now : schedule.start;
  let when: bigint | undefined;
  for (let week = 0n; week <= LOOK_AHEAD_WEEKS && when === undefined; week++) {
    // the first week start (from the current week on) by which the cumulative release covers the total
    const t = schedule.start + ((from - schedule.start) / EMISSION_WEEK_SECONDS + week) * EMISSION_WEEK_SECONDS;
    if (emissionAllowanceAt(schedule, t, releasedBefore) >= total) when = t;
  }
  const fan = (v: bigint) => formatUnits(v, 18);
  return (
    `Waiting for the emission schedule: the RewardDistributor has released ${fan(allowed)} FAN so far and epoch ${epochId} brings the cumulative total to ${fan(total)} FAN. ` +
    (when !== undefined
      ? `The schedule releases enough on ${new Date(Number(when) * 1000).toISOString()}; the root is published then. `
      : 'The schedule does not release that much within ten years. ') +
    'To release more sooner, the admin sets a new schedule (setEmissionSchedule; docs/economics.md).'
  );
}

/** The distributor's schedule, what earlier schedules released, and the chain's clock (the one the contract reads); undefined without a schedule. */
export async function readSchedule(distributor: Contract): Promise<{ schedule: EmissionSchedule; releasedBefore: bigint; now: bigint } | undefined> {
  let s: [bigint, bigint, bigint, bigint, bigint];
  try {
    s = await distributor.emissionSchedule({ blockTag: 'latest' });
  } catch {
    return undefined; // a distributor before 1.2.0 has no schedule
  }
  const block = await distributor.runner?.provider?.getBlock('latest');
  return {
    schedule: { start: s[0], weekly: s[1], decayBps: Number(s[2]), seasonWeeks: Number(s[3]) },
    releasedBefore: s[4],
    now: BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)),
  };
}

/** What the schedule releases at the rate controller's budget: the week now in progress, and all it has released by now. */
export interface ScheduleRelease {
  weekly: bigint;
  released: bigint;
}

/**
 * What the distributor's schedule releases in the week now in progress and in all by the chain's
 * clock (the rate controller's budget for an epoch and its carry), or undefined without a schedule
 * that bounds anything: no chain, a distributor before 1.2.0, a schedule not begun (epochs wait for
 * it anyway: emissionWait), or one that releases `unbounded` (the token's cap) or more a week, as the
 * embedded chain's default does, where the rates stay at the default.
 */
export async function scheduleRelease(distributor: Contract, unbounded: bigint): Promise<ScheduleRelease | undefined> {
  const read = await readSchedule(distributor).catch(() => undefined); // no budget is better than no close
  if (!read || read.now < read.schedule.start) return undefined;
  const { schedule, releasedBefore, now } = read;
  const released = emissionAllowanceAt(schedule, now, releasedBefore);
  const weekly = released - emissionAllowanceAt(schedule, now - EMISSION_WEEK_SECONDS, releasedBefore);
  return weekly >= unbounded ? undefined : { weekly, released };
}
