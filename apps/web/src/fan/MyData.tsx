import { useState } from 'react';
import { ApiProblem, getText, postJson } from '../api/client';

/**
 * "My data": everything FanMesh holds about this address, as one file, and the erasure of what the
 * ledger and the chain do not need (docs/privacy.md), after a confirmation that says what goes and
 * what stays. The server signs every session out; the app then signs out here too.
 */
export function MyData({ address, onErased }: { address: string; onErased: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const [busy, setBusy] = useState<'download' | 'erase'>();
  const [problem, setProblem] = useState<string>();

  const download = async () => {
    setBusy('download');
    setProblem(undefined);
    try {
      const json = await getText('/api/v1/me/data');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      a.download = `fanmesh-data-${address.toLowerCase()}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setProblem(e instanceof ApiProblem && e.status === 429 ? 'Too many downloads just now: try again in a minute.' : (e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };

  const erase = async () => {
    setBusy('erase');
    setProblem(undefined);
    try {
      await postJson<Record<string, Record<string, number>>>('/api/v1/me/data/erase', { confirm: true });
      onErased();
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
      setBusy(undefined);
    }
  };

  return (
    <section className="panel my-data" aria-labelledby="my-data-title">
      <h2 id="my-data-title">My data</h2>
      <p className="muted">
        FanMesh knows you by your address only (no name). Download everything it holds about it: tickets (with the contact a venue imported), check-ins, devices, the rewards
        ledger, votes, drops and sessions.
      </p>
      <div className="actions">
        <button className="secondary" onClick={() => void download()} disabled={!!busy}>
          {busy === 'download' ? 'Preparing…' : 'Download my data'}
        </button>
        {!confirming && (
          <button className="secondary danger" onClick={() => setConfirming(true)} disabled={!!busy}>
            Erase my data…
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm" role="group" aria-labelledby="erase-title">
          <h3 id="erase-title">Erase my data?</h3>
          <p>
            <strong>Erased:</strong> the contact (e-mail or phone) on tickets a venue imported for you, your devices’ telemetry, the text of your device appeals. You are signed out
            on every device.
          </p>
          <p>
            <strong>Kept, with your address only:</strong> your tickets and check-ins, the rewards ledger and your FAN balance, your votes, drops and hotspot checks. The ledger
            must stay exact and what is on chain (reward roots, device ownership, attested moments) cannot be removed.
          </p>
          <p className="muted">This cannot be undone. Your key stays on this phone, so you can sign in again.</p>
          <label className="switch">
            <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} /> I understand
          </label>
          <div className="actions">
            <button className="primary danger" onClick={() => void erase()} disabled={!understood || !!busy}>
              {busy === 'erase' ? 'Erasing…' : 'Erase and sign out'}
            </button>
            <button className="secondary" onClick={() => (setConfirming(false), setUnderstood(false))} disabled={!!busy}>
              Keep my data
            </button>
          </div>
        </div>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
    </section>
  );
}
