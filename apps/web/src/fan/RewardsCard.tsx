import { useEffect, useState } from 'react';
import type { BaseWallet } from 'ethers';
import { ApiProblem } from '../api/client';
import { AddNetwork } from '../components/AddNetwork';
import { claimInfo, ClaimInfo, EXPLORERS, fan, myRewards, relayClaim } from './rewards-api';

const SETTLE_TEXT = 'Rewards become claimable when the match’s epoch is settled on chain.';
/** GET /rewards/me answers the latest entries, this many at most: a full page may hide older, settled ones. */
const LEDGER_PAGE = 100;

type Step = 'idle' | 'signing' | 'sent' | 'confirmed' | 'failed';
const STEPS: Step[] = ['signing', 'sent', 'confirmed'];
const stepText: Record<Step, string> = { idle: '', signing: 'Signing', sent: 'Sent', confirmed: 'Confirmed', failed: 'Failed' };

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/**
 * The fan's balance, live, and the way to take it on chain: gasless (the fan signs, the platform
 * relays) or directly from an injected wallet. What is claimable is what the contract will pay.
 */
export function RewardsCard({ wallet, address, balance, onBalance }: { wallet: BaseWallet; address: string; balance: string | null; onBalance: (b: string) => void }) {
  const [claim, setClaim] = useState<ClaimInfo | null>(null);
  const [why, setWhy] = useState<string>();
  const [step, setStep] = useState<Step>('idle');
  const [tx, setTx] = useState<string>();
  const injected = (window as unknown as { ethereum?: Eip1193 }).ethereum;

  const refresh = async () => {
    const b = await myRewards().catch(() => null);
    if (b) onBalance(b.balance);
    // Nothing in a closed epoch yet (a new fan, a match still running): nothing can be settled, so the
    // claim is not asked for (it would answer 404 and put an error in the console on a first load).
    if (b && b.entries.length < LEDGER_PAGE && !b.entries.some((e) => e.epochId)) {
      setClaim(null);
      setWhy(SETTLE_TEXT);
      return;
    }
    try {
      setClaim(await claimInfo(address));
      setWhy(undefined);
    } catch (e) {
      setClaim(null);
      setWhy((e as ApiProblem).code === 'no_rewards' || (e as ApiProblem).code === 'not_settled' ? SETTLE_TEXT : (e as ApiProblem).detail);
    }
  };
  useEffect(() => void refresh(), [address]);
  useEffect(() => {
    if (balance !== null) void refresh();
  }, [balance]);

  // Sent: the contract's `claimed` catches up with the cumulative amount once the transaction is mined.
  useEffect(() => {
    if (step !== 'sent' || !claim) return;
    const timer = setInterval(async () => {
      const now = await claimInfo(address).catch(() => null);
      if (now && BigInt(now.claimed) >= BigInt(claim.cumulativeAmount)) {
        setClaim(now);
        setStep('confirmed');
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [step, claim, address]);

  const gasless = async () => {
    if (!claim) return;
    setStep('signing');
    try {
      const deadline = Math.floor(Date.now() / 1000) + 3600;
      const message = { ...claim.gasless.message, cumulativeAmount: claim.cumulativeAmount, deadline };
      const signature = await wallet.signTypedData(claim.gasless.domain, claim.gasless.types, message);
      await relayClaim({ cumulativeAmount: claim.cumulativeAmount, deadline, signature });
      setStep('sent');
    } catch (e) {
      setWhy((e as ApiProblem).detail ?? (e as Error).message);
      setStep('failed');
    }
  };

  const direct = async () => {
    if (!claim || !injected) return;
    setStep('signing');
    try {
      const [from] = (await injected.request({ method: 'eth_requestAccounts' })) as string[];
      const hash = (await injected.request({ method: 'eth_sendTransaction', params: [{ from, to: claim.direct.contract, data: claim.direct.data }] })) as string;
      setTx(hash);
      setStep('sent');
    } catch (e) {
      setWhy((e as Error).message);
      setStep('failed');
    }
  };

  const explorer = claim ? EXPLORERS[claim.direct.chainId] : undefined;
  return (
    <section className="rewards-card" aria-labelledby="balance-title">
      <h2 id="balance-title">Fan tokens</h2>
      <p className="balance" data-testid="balance">
        {balance === null ? '…' : fan(balance)} <span>FAN</span>
      </p>
      {claim && BigInt(claim.claimable) > 0n && step !== 'sent' && step !== 'confirmed' && (
        <div className="claim">
          <p>
            {fan(claim.claimable)} FAN ready to claim to your wallet{BigInt(claim.unsettled) > 0n ? ` (${fan(claim.unsettled)} more after the next settlement)` : ''}.
          </p>
          <button className="primary" onClick={() => void gasless()} disabled={step === 'signing'}>
            Claim (free)
          </button>
          {injected && (
            <button className="secondary" onClick={() => void direct()} disabled={step === 'signing'}>
              Claim from my wallet (I pay gas)
            </button>
          )}
        </div>
      )}
      <AddNetwork />
      {claim && BigInt(claim.claimable) === 0n && BigInt(claim.claimed) > 0n && step === 'idle' && (
        <p className="muted">All {fan(claim.claimed)} FAN settled so far are in your wallet.</p>
      )}
      {step !== 'idle' && step !== 'failed' && (
        <ol className="steps" aria-label="Claim progress">
          {STEPS.map((s) => (
            <li key={s} className={STEPS.indexOf(s) <= STEPS.indexOf(step) ? 'done' : ''} aria-current={s === step ? 'step' : undefined}>
              {stepText[s]}
            </li>
          ))}
        </ol>
      )}
      {step === 'confirmed' && (
        <p className="admitted" role="status">
          Claimed: {fan(claim!.claimed)} FAN are in your wallet.
        </p>
      )}
      {tx && explorer && (
        <a href={`${explorer}/tx/${tx}`} target="_blank" rel="noreferrer">
          See the transaction
        </a>
      )}
      {why && (
        <p className="muted">
          {balance === '0' ? 'Earn FAN by checking in at the gate, witnessing fan hotspots, being there for match moments and redeeming sponsor drops.' : why}
        </p>
      )}
    </section>
  );
}
