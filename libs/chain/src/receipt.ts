import type { Provider, TransactionReceipt } from 'ethers';

/**
 * A sent transaction's receipt, asked for directly until it is mined. Not `tx.wait()`: when
 * its first look-up comes back empty (anvil answers `eth_sendRawTransaction` a moment before it
 * has mined: 2 of 300 sends on a quiet machine), it waits for a new block, and under automine
 * no further block comes once the transaction's own is past, so the wait can hang for good.
 * The pause between look-ups doubles from 5 ms to 1 s: quick on anvil, gentle on a remote RPC.
 */
export async function receiptOf(tx: { hash: string; provider: Provider }, timeoutMs = 120_000): Promise<TransactionReceipt> {
  const until = Date.now() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 1_000)) {
    const receipt = await tx.provider.getTransactionReceipt(tx.hash);
    if (receipt) return receipt;
    if (Date.now() > until) throw new Error(`transaction ${tx.hash} was not mined within ${timeoutMs / 1000} s; is the chain's node still mining?`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
