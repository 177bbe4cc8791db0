import { Injectable, Logger } from '@nestjs/common';
import { Interface, verifyTypedData } from 'ethers';
import { isAdmin, Principal } from '@fanmesh/common';
import { ARTIFACTS, ChainService, proofFromBytes } from '@fanmesh/chain';
import { CLAIM_TYPES, ClaimInfo, DOMAIN_NAMES, eip712Domain, RelayedClaim } from '@fanmesh/protocol';
import { EpochRepository } from './epoch.repository';
import { RewardsError } from './rewards.error';
import { RewardsRepository } from './rewards.repository';

const distributorAbi = new Interface(ARTIFACTS.RewardDistributor.abi as never);

export interface RelayRequest {
  cumulativeAmount: string;
  recipient?: string;
  deadline: number;
  signature: string;
}

/** Claims of settled rewards: directly against the distributor, or gasless through the outbox (claimFor). */
@Injectable()
export class ClaimsService {
  private readonly logger = new Logger(ClaimsService.name);

  constructor(
    private readonly epochs: EpochRepository,
    private readonly ledger: RewardsRepository,
    private readonly chain: ChainService,
  ) {}

  /**
   * The claim as its own account (or an admin) asks for it: the ledger balance and what is unsettled
   * are the account's business, so another fan's session is refused, not answered.
   */
  async claimFor(address: string, by: Principal): Promise<ClaimInfo> {
    if (!isAdmin(by) && by.subject.toLowerCase() !== address.toLowerCase()) {
      throw new RewardsError('not_your_address', 'Only the address’s own session may read its claim and ledger balance.');
    }
    return this.claim(address);
  }

  /** What `account` can claim now: the on-chain epoch's cumulative amount and proof, minus what the contract says was claimed. */
  async claim(address: string): Promise<ClaimInfo> {
    const account = address.toLowerCase();
    if (!this.chain.enabled || !this.chain.deployment) throw new RewardsError('not_settled', 'No chain is configured, so no reward root is published.');
    const distributor = this.chain.contract('RewardDistributor');
    const [[onChainEpoch], claimedRaw] = await Promise.all([distributor.currentEpoch() as Promise<[bigint, bigint]>, distributor.claimed(account) as Promise<bigint>]);
    if (onChainEpoch === 0n) throw new RewardsError('not_settled', 'No reward epoch is published on chain yet.');
    const epoch = await this.epochs.epoch(onChainEpoch.toString());
    const row = epoch ? await this.epochs.claimRow(epoch.id, account) : undefined;
    const balance = await this.ledger.balance(account);
    if (!epoch || !row) throw new RewardsError('no_rewards', `${account} has no settled rewards in epoch ${onChainEpoch}.`, { balance });
    const cumulative = BigInt(row.cumulative);
    const claimed = BigInt(claimedRaw);
    const proof = proofFromBytes(row.proof);
    const claimable = cumulative > claimed ? cumulative - claimed : 0n;
    return {
      account,
      epochId: epoch.id,
      root: epoch.root!,
      cumulativeAmount: cumulative.toString(),
      claimed: claimed.toString(),
      claimable: claimable.toString(),
      ledgerBalance: balance,
      unsettled: (BigInt(balance) - cumulative).toString(),
      proof,
      direct: {
        chainId: this.chain.chainId!,
        contract: this.chain.deployment.RewardDistributor,
        method: 'claim(address,uint256,bytes32[])',
        args: [account, cumulative.toString(), proof],
        data: distributorAbi.encodeFunctionData('claim', [account, cumulative, proof]),
      },
      gasless: {
        domain: eip712Domain(DOMAIN_NAMES.RewardDistributor, this.chain.chainId!, this.chain.deployment.RewardDistributor),
        types: CLAIM_TYPES,
        message: { account, cumulativeAmount: cumulative.toString(), recipient: account, deadline: 'unix seconds of your choice' },
        relay: 'POST /api/v1/rewards/claims/relay',
      },
    };
  }

  /** Gasless claim: checks the fan's EIP-712 signature as claimFor will, then queues claimFor through the outbox (once per cumulative amount). */
  async relay(req: RelayRequest, by: Principal): Promise<RelayedClaim> {
    const info = await this.claim(by.subject);
    if (req.cumulativeAmount !== info.cumulativeAmount) {
      throw new RewardsError('stale_claim', `The published cumulative amount is ${info.cumulativeAmount}; sign that one.`, { cumulativeAmount: info.cumulativeAmount });
    }
    if (info.claimable === '0') throw new RewardsError('nothing_to_claim', `Everything up to ${info.cumulativeAmount} was already claimed.`, { claimed: info.claimed });
    if (req.deadline * 1000 < Date.now() + 60_000)
      throw new RewardsError('deadline_passed', 'The deadline must be at least a minute away, so the relayed transaction can land before it.');
    const recipient = req.recipient ?? info.account;
    const message = { account: info.account, cumulativeAmount: BigInt(info.cumulativeAmount), recipient, deadline: BigInt(req.deadline) };
    let signer: string;
    try {
      signer = verifyTypedData(info.gasless.domain, CLAIM_TYPES, message, req.signature).toLowerCase();
    } catch {
      signer = '';
    }
    if (signer !== info.account) throw new RewardsError('bad_claim_signature', 'The claim was not signed by your account over this distributor, amount, recipient and deadline.');
    const idempotencyKey = `rewards-claim:${info.account}:${info.cumulativeAmount}`;
    await this.chain.enqueue({
      kind: 'rewards.claimFor',
      idempotencyKey,
      to: this.chain.deployment!.RewardDistributor,
      data: distributorAbi.encodeFunctionData('claimFor', [info.account, message.cumulativeAmount, recipient, message.deadline, req.signature, info.proof]),
    });
    this.logger.log({ account: info.account, cumulative: info.cumulativeAmount }, 'gasless claim queued');
    return { queued: true, idempotencyKey, account: info.account, recipient: recipient.toLowerCase(), amount: info.claimable, cumulativeAmount: info.cumulativeAmount };
  }
}
