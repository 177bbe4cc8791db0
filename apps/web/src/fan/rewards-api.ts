import { formatUnits } from 'ethers';
import type { BalanceView, ClaimInfo, RelayedClaim } from '@fanmesh/protocol';
import { getJson, postJson } from '../api/client';

export type { ClaimInfo };

/** Fan tokens have 18 decimals; show at most two. */
export const fan = (amount: string) => {
  const [whole, frac = ''] = formatUnits(amount, 18).split('.');
  const f = frac.replace(/0+$/, '').slice(0, 2);
  return `${Number(whole).toLocaleString()}${f ? `.${f}` : ''}`;
};

/** Block explorers for the named networks; the embedded dev chain has none. */
export const EXPLORERS: Record<number, string> = { 88888: 'https://chiliscan.com', 88882: 'https://testnet.chiliscan.com' };

export const myRewards = () => getJson<BalanceView>('/api/v1/rewards/me');
export const claimInfo = (address: string) => getJson<ClaimInfo>(`/api/v1/rewards/${address}/claim`);
export const relayClaim = (body: { cumulativeAmount: string; deadline: number; signature: string }) => postJson<RelayedClaim>('/api/v1/rewards/claims/relay', body);
