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
  let s: [bigint, bigint, bigint, bigint, bigint];
  try {
    allowed = await distributor.allowance({ blockTag: 'latest' });
    if (allowed >= total) return undefined;
    s = await distributor.emissionSchedule({ blockTag: 'latest' });
  } catch {
    return undefined; // no schedule to wait for: the contract itself is the judge
  }
  const schedule: EmissionSchedule = { start: s[0], weekly: s[1], decayBps: Number(s[2]), seasonWeeks: Number(s[3]) };
  const block = await distributor.runner?.provider?.getBlock('latest');
  const now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)); // the chain's clock is the one the contract reads
  const from = now > schedule.start ? now : schedule.start;
  let when: bigint | undefined;
  for (let week = 0n; week <= LOOK_AHEAD_WEEKS && when === undefined; week++) {
    // the first week start (from the current week on) by which the cumulative release covers the total
    const t = schedule.start + ((from - schedule.start) / EMISSION_WEEK_SECONDS + week) * EMISSION_WEEK_SECONDS;
    if (emissionAllowanceAt(schedule, t, s[4]) >= total) when = t;
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

/**
 * What the distributor's schedule releases in the week now in progress (the rate controller's
 * budget for an epoch), or undefined without a schedule to read (no chain, or a distributor before 1.2.0).
 */
export async function weeklyRelease(distributor: Contract): Promise<bigint | undefined> {
  try {
    const s: [bigint, bigint, bigint, bigint, bigint] = await distributor.emissionSchedule({ blockTag: 'latest' });
    const schedule: EmissionSchedule = { start: s[0], weekly: s[1], decayBps: Number(s[2]), seasonWeeks: Number(s[3]) };
    const block = await distributor.runner?.provider?.getBlock('latest');
    const now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
    if (now < schedule.start) return undefined; // not begun: epochs wait for it anyway (emissionWait)
    return emissionAllowanceAt(schedule, now, s[4]) - emissionAllowanceAt(schedule, now - EMISSION_WEEK_SECONDS, s[4]);
  } catch {
    return undefined;
  }
}
