import { useEffect, useState } from 'react';
import { isAddress } from 'ethers';
import type { DeviceTransferView, DeviceView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import type { Session } from '../lib/session';
import { myTransfers, transferDevice, transfers, type TransferStep } from './devices-api';
import './transfers.css';

const STEPS: { step: TransferStep; label: string }[] = [
  { step: 'sign', label: 'You sign the transfer with the key on this phone' },
  { step: 'api', label: 'FanMesh checks your signature and hands the device over' },
];

/** In a device's card: hand it to another account (its 0x address), after a confirmation; this phone's key signs. */
export function TransferDevice({ session, device: d, onDone }: { session: Session; device: DeviceView; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [step, setStep] = useState<TransferStep>();
  const [problem, setProblem] = useState<string>();
  const id = d.address.slice(2, 10);
  const recipient = to.trim();
  const valid = isAddress(recipient);
  const self = valid && recipient.toLowerCase() === session.address.toLowerCase();

  if (!open) {
    return (
      <button type="button" className="link-dark" onClick={() => setOpen(true)}>
        Transfer this device…
      </button>
    );
  }
  const send = async () => {
    setProblem(undefined);
    try {
      await transferDevice(session, d.address, recipient.toLowerCase(), setStep);
      onDone();
    } catch (e) {
      setStep(undefined);
      setConfirming(false);
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
    }
  };
  const at = step ? STEPS.findIndex((s) => s.step === step) : -1;
  return (
    <form className="revoke" aria-label="Transfer this device" onSubmit={(e) => (e.preventDefault(), confirming ? void send() : setConfirming(true))}>
      <label htmlFor={`transfer-${id}`}>Recipient's address (0x…)</label>
      <input
        id={`transfer-${id}`}
        value={to}
        onChange={(e) => (setTo(e.target.value), setConfirming(false))}
        placeholder="0x…"
        autoComplete="off"
        spellCheck={false}
        disabled={!!step}
        required
      />
      {recipient && !valid && <small className="problem">That is not an account address: 0x followed by 40 hexadecimal characters.</small>}
      {self && <small className="problem">That is your own account.</small>}
      {!confirming ? (
        <button type="submit" className="primary" disabled={!valid || self}>
          Transfer
        </button>
      ) : (
        <>
          <p className="problem" data-testid="transfer-confirm">
            Hand this device to <code>{recipient}</code>? It leaves your devices, and only its new owner can hand it back.
          </p>
          <button type="submit" className="danger" disabled={!!step}>
            {step ? 'Transferring…' : 'Yes, transfer it'}
          </button>
          {!step && (
            <button type="button" className="link-dark" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          )}
        </>
      )}
      {step && (
        <ol className="pair-steps transfer-steps" aria-label="Transfer progress">
          {STEPS.map((s, i) => (
            <li key={s.step} className={i < at ? 'step-done' : 'step-now'}>
              <span aria-hidden="true">{i < at ? '✓' : '…'}</span> {s.label}
            </li>
          ))}
        </ol>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
    </form>
  );
}

/** The devices this account handed over or received, each followed to the registry's confirmation. */
export function TransfersPanel({ session }: { session: Session }) {
  const [list, setList] = useState<DeviceTransferView[]>([]);
  useEffect(() => {
    let stop = false;
    const load = () =>
      void myTransfers().then(
        (l) => !stop && setList(l),
        () => undefined,
      );
    load();
    const t = setInterval(load, 1500);
    transfers.addEventListener('transferred', load);
    return () => {
      stop = true;
      clearInterval(t);
      transfers.removeEventListener('transferred', load);
    };
  }, []);
  if (!list.length) return null;
  const me = session.address.toLowerCase();
  return (
    <section aria-labelledby="transfers-title">
      <h2 id="transfers-title">Transfers</h2>
      <ul className="cards" aria-label="Transfers">
        {list.slice(0, 10).map((t) => {
          const out = t.from === me;
          const chain =
            t.status === 'confirmed'
              ? { state: 'done', mark: '✓', text: `Transferred on chain (DeviceRegistry)${t.blockNumber !== null ? `, block ${t.blockNumber}` : ''}` }
              : t.status === 'queued'
                ? { state: 'now', mark: '…', text: 'Transferred on chain (DeviceRegistry): on its way' }
                : t.status === 'failed'
                  ? { state: 'now', mark: '✗', text: `The registry refused it (${t.lastError ?? 'no reason given'}); the device stays with the owner the registry has` }
                  : { state: 'done', mark: '✓', text: 'No chain configured: the transfer is complete' };
          return (
            <li key={t.id} className="device-card" data-transfer={t.device}>
              <strong>
                {out ? 'Handed over' : 'Received'} <code>{t.device}</code>
              </strong>
              <small>
                {out ? `to ${t.to}` : `from ${t.from}`} · {new Date(t.at).toLocaleString()}
                {t.source === 'chain' ? ' · done on DeviceRegistry directly' : ''}
              </small>
              <ol className="pair-steps transfer-steps" aria-label="Transfer progress" data-testid="transfer-progress">
                {t.source === 'owner' && (
                  <li className="step-done">
                    <span aria-hidden="true">✓</span> Signed by {out ? 'you' : 'its owner'} and handed over in FanMesh
                  </li>
                )}
                <li className={`step-${chain.state}`}>
                  <span aria-hidden="true">{chain.mark}</span> {chain.text}
                </li>
              </ol>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
