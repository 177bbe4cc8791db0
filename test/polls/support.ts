import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { BaseWallet, Contract, InterfaceAbi, JsonRpcProvider, parseEther, Wallet, ZeroHash } from 'ethers';
import request from 'supertest';
import { anvilDevKey, ARTIFACTS, ChainService, EMBEDDED_ADMIN_INDEX, ROLES, receiptOf } from '@fanmesh/chain';
import { BALLOT_TYPES } from '@fanmesh/protocol';
import type { RunningApp } from '../support/app';

/** What a ballot request carries; signed the way the PWA signs it. */
export interface Ballot {
  pollId: string;
  option: number;
  issuedAt: number;
  signature: string;
}

export const nowS = () => Math.floor(Date.now() / 1000);

/** The fan signs Ballot(pollId, option, issuedAt) in the domain the poll view publishes. */
export async function signBallot(wallet: BaseWallet, poll: { key: string; ballot: { domain: Record<string, unknown> } }, option: number, issuedAt = nowS()): Promise<Ballot> {
  const value = { pollId: poll.key, option, issuedAt };
  return { ...value, signature: await wallet.signTypedData(poll.ballot.domain, BALLOT_TYPES, value) };
}

export const fanAuth = async (api: RunningApp, wallet: BaseWallet) => `Bearer ${await api.tokenFor({ subject: wallet.address.toLowerCase(), kind: 'account', roles: ['fan'] })}`;

export function vote(api: RunningApp, pollId: string, auth: string, ballot: Ballot | Record<string, unknown>) {
  return request(api.url).post(`/api/v1/polls/${pollId}/ballots`).set('authorization', auth).send(ballot);
}

/**
 * The chain as the tests drive it: anvil account 0 sends the outbox; the embedded admin (account 9)
 * deploys, and grants account 1 OPERATOR_ROLE on RewardDistributor to publish reward roots (so the test never competes with the
 * outbox for account 0's nonces); account 2 gives fans gas to move their tokens.
 */
export class TestChain {
  readonly provider: JsonRpcProvider;
  readonly token: Contract;
  readonly distributor: Contract;
  readonly attestor: Contract;
  private readonly operator: Wallet;
  private readonly faucet: Wallet;
  private epoch = 0;
  private readonly cumulative = new Map<string, bigint>();

  constructor(api: RunningApp) {
    const chain = api.app.get(ChainService);
    this.provider = chain.provider!;
    const d = chain.deployment!;
    this.operator = new Wallet(anvilDevKey(1), this.provider);
    this.faucet = new Wallet(anvilDevKey(2), this.provider);
    this.token = new Contract(d.FanToken, ARTIFACTS.FanToken.abi as InterfaceAbi, this.provider);
    this.distributor = new Contract(d.RewardDistributor, ARTIFACTS.RewardDistributor.abi as InterfaceAbi, this.operator);
    this.attestor = new Contract(d.PollAttestor, ARTIFACTS.PollAttestor.abi as InterfaceAbi, this.provider);
  }

  async init(): Promise<void> {
    // the embedded chain's contract admin (the API's hot key, account 0, holds no admin role)
    const admin = new Wallet(anvilDevKey(EMBEDDED_ADMIN_INDEX), this.provider);
    const distributor = this.distributor.connect(admin) as Contract;
    await receiptOf(await distributor.grantRole(ROLES.OPERATOR_ROLE, this.operator.address));
  }

  /** Rewards each fan `amount` more FAN through a published epoch and a claim: the only way FanToken mints. */
  async reward(grants: [string, bigint][]): Promise<void> {
    for (const [who, amount] of grants) this.cumulative.set(who, (this.cumulative.get(who) ?? 0n) + amount);
    const entries = [...this.cumulative].map(([a, v]) => [a, v.toString()] as [string, string]);
    const tree = StandardMerkleTree.of(entries, ['address', 'uint256']);
    const total = [...this.cumulative.values()].reduce((a, b) => a + b, 0n);
    await receiptOf(await this.distributor.publishRoot(++this.epoch, tree.root, total, ZeroHash));
    for (const [i, [account, amount]] of tree.entries()) {
      if (!grants.some(([g]) => g === account)) continue;
      await receiptOf(await this.distributor.claim(account, amount, tree.getProof(i)));
    }
  }

  /** The fan moves tokens with their own key (gas from the faucet). */
  async transfer(from: BaseWallet, to: string, amount: bigint): Promise<number> {
    await receiptOf(await this.faucet.sendTransaction({ to: from.address, value: parseEther('0.01') }));
    const receipt = await receiptOf(await (this.token.connect(from.connect(this.provider)) as Contract).transfer(to, amount));
    return receipt.blockNumber;
  }

  balanceAt(who: string, blockTag: number): Promise<bigint> {
    return this.token.balanceOf(who, { blockTag });
  }
}
