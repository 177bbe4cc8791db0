import { useEffect, useState } from 'react';
import type { ChainInfoView } from '@fanmesh/protocol';
import { getJson } from '../api/client';

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

type State = 'idle' | 'asking' | 'added' | 'failed';

/**
 * "Add this network" for an injected wallet (EIP-3085 `wallet_addEthereumChain`), with what
 * GET /chain publishes: shown only when the browser has a wallet and the platform has an RPC URL to give.
 */
export function AddNetwork() {
  const injected = (window as unknown as { ethereum?: Eip1193 }).ethereum;
  const [chain, setChain] = useState<ChainInfoView>();
  const [state, setState] = useState<State>('idle');
  const [why, setWhy] = useState<string>();

  useEffect(() => {
    if (!injected) return;
    getJson<ChainInfoView>('/api/v1/chain')
      .then(setChain)
      .catch(() => setChain(undefined));
  }, [injected]);

  const params = chain?.addEthereumChain;
  if (!injected || !params) return null;

  const add = async () => {
    setState('asking');
    setWhy(undefined);
    try {
      await injected.request({ method: 'wallet_addEthereumChain', params: [params] });
      setState('added');
    } catch (e) {
      const err = e as { code?: number; message?: string };
      setWhy(err.code === 4001 ? 'The wallet was asked and said no.' : (err.message ?? 'The wallet could not add the network.'));
      setState('failed');
    }
  };

  return (
    <div className="add-network">
      <button className="secondary" onClick={() => void add()} disabled={state === 'asking'}>
        Add this network to my wallet
      </button>
      {state === 'added' && (
        <p className="muted" role="status">
          {params.chainName} is in your wallet.
        </p>
      )}
      {state === 'failed' && why && <p className="muted">{why}</p>}
      {chain.rpcScope === 'this_machine' && <p className="muted">This demo chain answers on this computer only.</p>}
    </div>
  );
}
