import { Injectable, Logger } from '@nestjs/common';
import { id } from 'ethers';
import { ChainService } from '@fanmesh/chain';

/** keccak256("Transfer(address,address,uint256)"): ERC-20's Transfer, which FanToken emits for mints and transfers alike. */
export const TRANSFER_TOPIC = id('Transfer(address,address,uint256)');
const ZERO = '0x' + '00'.repeat(20);
/** Blocks per eth_getLogs call: public RPCs cap the range (often 10,000). */
const LOG_RANGE = 10_000;

/**
 * FanToken balances at a block, rebuilt from the token's Transfer logs (mints are transfers from
 * the zero address). Deterministic, works on any node that serves logs (no archive state needed),
 * and exactly what an outside recount can redo from public chain data.
 */
@Injectable()
export class TokenSnapshot {
  private readonly logger = new Logger(TokenSnapshot.name);

  constructor(private readonly chain: ChainService) {}

  get available(): boolean {
    return !!this.chain.provider && !!this.chain.deployment?.FanToken;
  }

  get token(): string | undefined {
    return this.chain.deployment?.FanToken;
  }

  /** The chain head: the block a poll's snapshot is taken at when it opens. */
  async head(): Promise<{ block: number; hash: string }> {
    const block = await this.chain.provider!.getBlock('latest');
    if (!block?.hash) throw new Error('the chain returned no latest block');
    return { block: block.number, hash: block.hash };
  }

  /** Every holder's balance after `block` (holders with a zero balance are left out), lower-case addresses. */
  async balancesAt(block: number, fromBlock = 0): Promise<Map<string, bigint>> {
    const provider = this.chain.provider!;
    const balances = new Map<string, bigint>();
    const add = (who: string, delta: bigint) => {
      if (who === ZERO) return;
      const next = (balances.get(who) ?? 0n) + delta;
      if (next === 0n) balances.delete(who);
      else balances.set(who, next);
    };
    let logs = 0;
    for (let from = fromBlock; from <= block; from += LOG_RANGE) {
      const page = await provider.getLogs({ address: this.token, topics: [TRANSFER_TOPIC], fromBlock: from, toBlock: Math.min(block, from + LOG_RANGE - 1) });
      for (const log of page) {
        const value = BigInt(log.data);
        add(('0x' + log.topics[1].slice(26)).toLowerCase(), -value);
        add(('0x' + log.topics[2].slice(26)).toLowerCase(), value);
      }
      logs += page.length;
    }
    for (const [who, v] of balances) if (v < 0n) throw new Error(`Transfer logs up to block ${block} leave ${who} with a negative balance: the log scan missed blocks`);
    this.logger.log({ block, transfers: logs, holders: balances.size }, 'token snapshot');
    return balances;
  }
}
