import { useEffect, useRef, useState } from 'react';
import { BrowserQRCodeReader, IScannerControls } from '@zxing/browser';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { Session } from '../lib/session';
import { decodeMerchTag } from '../lib/merch-tag';
import { admitOffline, loadSnapshot, queued, Snapshot, syncQueue } from './offline-gate';

interface Gate {
  id: string;
  code: string;
  name: string;
}
type Verdict =
  | (({ decision: 'admit'; section: string; seat: string; tier: string } | { decision: 'deny'; reason: string; detail: string }) & { offline?: boolean })
  | { decision: 'merch'; verdict: 'authentic' | 'counterfeit' | 'likely_clone'; sku?: string; serial: string; reason?: string };

const merchText = { authentic: 'GENUINE', counterfeit: 'FAKE', likely_clone: 'CLONED TAG' } as const;
type Sync = { state: 'online' | 'offline' | 'syncing'; waiting: number; last?: string };

const reasonText: Record<string, string> = {
  already_admitted: 'Already admitted',
  expired_code: 'Code expired – ask for the live code',
  bad_signature: 'Not signed by the ticket holder',
  wrong_event: 'Ticket for another event',
  revoked: 'Ticket revoked or transferred',
  gates_closed: 'Gates are not open',
  wrong_gate: 'Wrong gate for this section',
  unknown_ticket: 'Unknown ticket',
  malformed_code: 'Not a FanMesh ticket',
};

/** The steward's phone: pick the gate, scan (camera, or paste), see a big answer; without a network it checks codes itself and syncs later. */
export function GateScanner({ session }: { session: Session }) {
  const venueId = session.roles.find((r) => r.startsWith('steward@') || r.startsWith('staff@'))?.split('@')[1];
  const [gates, setGates] = useState<Gate[]>([]);
  const [gateId, setGateId] = useState<string>();
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict>();
  const [problem, setProblem] = useState<string>();
  const [camera, setCamera] = useState<'off' | 'on' | 'unsupported'>('off');
  const [snapshot, setSnapshot] = useState<Snapshot>();
  const [sync, setSync] = useState<Sync>({ state: navigator.onLine ? 'online' : 'offline', waiting: 0 });
  const video = useRef<HTMLVideoElement>(null);
  const camera$ = useRef<IScannerControls | undefined>(undefined);

  useEffect(() => {
    if (!venueId) return;
    getJson<{ gates: Gate[] }>(`/api/v1/venues/${venueId}`).then((v) => {
      setGates(v.gates);
      setGateId((g) => g ?? v.gates[0]?.id);
    });
    // The event at the gates now: its snapshot lets this phone keep admitting if the network drops.
    getJson<{ id: string; status: string }[]>(`/api/v1/events?venueId=${venueId}`).then((events) => {
      const open = events.find((e) => e.status === 'gates_open' || e.status === 'live');
      if (open) void loadSnapshot(open.id).then(setSnapshot, () => undefined);
    }, () => undefined);
  }, [venueId]);

  // Upload what was admitted offline as soon as the network is back; the pill shows where things stand.
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      const waiting = (await queued()).length;
      if (stop) return;
      if (!waiting || !navigator.onLine) return setSync((s) => ({ ...s, state: navigator.onLine ? 'online' : 'offline', waiting }));
      setSync((s) => ({ ...s, state: 'syncing', waiting }));
      try {
        const r = await syncQueue();
        if (r && !stop) setSync({ state: 'online', waiting: (await queued()).length, last: `Synced: ${r.accepted} accepted, ${r.conflicts} conflicts, ${r.rejected} refused` });
      } catch (e) {
        if (!stop) setSync((s) => ({ ...s, state: (e as ApiProblem).code === 'offline' ? 'offline' : 'online', waiting }));
      }
    };
    const timer = setInterval(() => void tick(), 2000);
    window.addEventListener('online', tick);
    window.addEventListener('offline', tick);
    void tick();
    return () => {
      stop = true;
      clearInterval(timer);
      window.removeEventListener('online', tick);
      window.removeEventListener('offline', tick);
      camera$.current?.stop();
    };
  }, []);

  const scan = async (scanned: string) => {
    if (!gateId || !scanned.trim()) return;
    setProblem(undefined);
    const tag = decodeMerchTag(scanned.trim());
    if (tag) {
      // A merch tag, not a ticket: the server checks the issuer's signature and where the serial was last seen.
      const place = `gate ${gates.find((g) => g.id === gateId)?.code ?? gateId}`;
      try {
        const r = await postJson<{ verdict: 'authentic' | 'counterfeit' | 'likely_clone'; sku?: string; reason?: string }>('/api/v1/merch/verifications', { ...tag, place });
        setVerdict({ decision: 'merch', ...r, serial: tag.serial });
        setCode('');
      } catch (e) {
        setProblem((e as ApiProblem).detail);
      }
      return;
    }
    try {
      setVerdict(await postJson<Verdict>(`/api/v1/gates/${gateId}/scans`, { code: scanned.trim() }));
      setCode('');
    } catch (e) {
      if ((e as ApiProblem).code === 'offline' && snapshot) {
        setVerdict(await admitOffline(snapshot, gateId, scanned.trim()));
        setSync({ state: 'offline', waiting: (await queued()).length });
        setCode('');
      } else {
        setProblem((e as ApiProblem).detail);
      }
    }
  };
  const scanRef = useRef(scan);
  scanRef.current = scan;

  // ZXing reads QR codes from the camera in any browser (BarcodeDetector is missing on most desktops).
  const startCamera = async () => {
    if (!navigator.mediaDevices?.getUserMedia) return setCamera('unsupported');
    const reader = new BrowserQRCodeReader(undefined, { delayBetweenScanAttempts: 150 });
    let last = '';
    camera$.current = await reader.decodeFromConstraints({ video: { facingMode: 'environment' } }, video.current!, (result) => {
      const text = result?.getText();
      if (!text || text === last) return;
      last = text;
      void scanRef.current(text);
    });
    setCamera('on');
  };

  if (!venueId) {
    return (
      <section data-address={session.address}>
        <p>You are not a steward at any venue yet. Ask staff to grant you the steward role. Your address: <code>{session.address}</code></p>
      </section>
    );
  }
  return (
    <section className="scanner" data-address={session.address}>
      <div className="row">
        <h1>Gate scanner</h1>
        <select aria-label="Gate" value={gateId} onChange={(e) => setGateId(e.target.value)}>
          {gates.map((g) => <option key={g.id} value={g.id}>{g.code} – {g.name}</option>)}
        </select>
      </div>
      <p className={`live live-${sync.state === 'offline' ? 'closed' : 'open'}`} data-testid="sync" aria-live="polite">
        {sync.state === 'offline' ? 'Offline' : sync.state === 'syncing' ? 'Syncing…' : 'Online'}
        {' · '}
        {sync.waiting ? `${sync.waiting} scan${sync.waiting === 1 ? '' : 's'} waiting to sync` : 'all scans synced'}
        {snapshot ? '' : ' · no offline copy yet'}
      </p>
      {sync.last && <p className="muted" data-testid="last-sync">{sync.last}</p>}
      {verdict && (
        <div className={`verdict verdict-${verdict.decision === 'merch' ? (verdict.verdict === 'authentic' ? 'admit' : 'deny') : verdict.decision}`} role="status" aria-live="assertive">
          {verdict.decision === 'merch' ? (
            <><strong>{merchText[verdict.verdict]}</strong><span>Merch {verdict.sku ?? ''} · serial {verdict.serial}</span>{verdict.reason && <small>{verdict.verdict === 'likely_clone' ? `This serial was ${verdict.reason.startsWith('seen_at:') ? `just seen at ${verdict.reason.slice(8)}` : 'flagged before'}: keep the item and call staff.` : 'Not signed by a registered issuer.'}</small>}</>
          ) : verdict.decision === 'admit' ? (
            <><strong>ADMIT</strong><span>Section {verdict.section}, seat {verdict.seat} · {verdict.tier}</span>{verdict.offline && <small>Checked on this phone (offline); it will sync.</small>}</>
          ) : (
            <><strong>DENY</strong><span>{reasonText[verdict.reason] ?? verdict.reason}</span><small>{verdict.detail}</small></>
          )}
        </div>
      )}
      {problem && <p role="alert" className="problem">{problem}</p>}
      <video ref={video} className={camera === 'on' ? 'camera' : 'hidden'} muted playsInline />
      {camera !== 'on' && <button className="primary" onClick={() => void startCamera().catch(() => setCamera('unsupported'))}>Scan with camera</button>}
      {camera === 'unsupported' && <p className="muted">No camera is available to this page; paste or type the code instead.</p>}
      <form onSubmit={(e) => (e.preventDefault(), void scan(code))} className="manual">
        <label htmlFor="code">Ticket or merch tag code</label>
        <input id="code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="FM1.…" autoComplete="off" />
        <button type="submit" className="primary">Check</button>
      </form>
    </section>
  );
}
