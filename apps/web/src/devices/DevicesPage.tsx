import { useEffect, useRef, useState } from 'react';
import { BrowserQRCodeReader, IScannerControls } from '@zxing/browser';
import { BarcodeFormat, DecodeHintType } from '@zxing/library';
import type { DeviceView, SectionView, VenueSummaryView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import type { Session } from '../lib/session';
import {
  chainStatus,
  currentEvent,
  fileAppeal,
  myDevices,
  myHotspots,
  offerFromAgent,
  pairDevice,
  parsePairing,
  revokeDevice,
  venue,
  venues,
  type ChainStatus,
  type HotspotReport,
  type PairingPayload,
  type PairStep,
} from './devices-api';
import { TransferDevice, TransfersPanel } from './TransferDevice';
import { DeviceReports } from './DeviceReports';
import './devices.css';

const STEPS: { step: PairStep; label: string }[] = [
  { step: 'device', label: 'The device signs the registration' },
  { step: 'owner', label: 'You sign it with the key on this phone' },
  { step: 'api', label: 'FanMesh checks both signatures' },
  { step: 'chain', label: 'Registered on chain (DeviceRegistry)' },
  { step: 'online', label: 'The device is online' },
];

const statusText: Record<string, string> = { online: 'Online', degraded: 'Degraded', offline: 'Offline', revoked: 'Revoked', denylisted: 'Denylisted' };
const ago = (iso: string | null) => {
  if (!iso) return 'never seen';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 90 ? `last seen ${s} s ago` : s < 5400 ? `last seen ${Math.round(s / 60)} min ago` : `last seen ${new Date(iso).toLocaleString()}`;
};
const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The owner app: add a device (scan its QR or type its code and address), then watch and manage it. */
export function DevicesPage({ session }: { session: Session }) {
  const [devices, setDevices] = useState<DeviceView[]>();
  const [problem, setProblem] = useState<string>();
  const refresh = () => myDevices().then(setDevices, (e: ApiProblem) => setProblem(e.detail));
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 3000);
    return () => clearInterval(t);
  }, []);
  return (
    <section className="devices" data-address={session.address}>
      <h1>My devices</h1>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <div className="devices-grid">
        <AddDevice session={session} devices={devices ?? []} onPaired={() => void refresh()} />
        <div>
          <h2>Paired devices</h2>
          {!devices ? (
            <p className="muted">Loading…</p>
          ) : devices.length === 0 ? (
            <p className="muted">No devices yet: add one with its pairing code.</p>
          ) : (
            <ul className="cards" aria-label="My devices">
              {devices.map((d) => (
                <DeviceCard key={d.address} device={d} session={session} onChange={() => void refresh()} />
              ))}
            </ul>
          )}
          <TransfersPanel session={session} />
        </div>
      </div>
    </section>
  );
}

function AddDevice({ session, devices, onPaired }: { session: Session; devices: DeviceView[]; onPaired: () => void }) {
  const [payload, setPayload] = useState<PairingPayload>();
  const [code, setCode] = useState('');
  const [agent, setAgent] = useState('');
  const [venueList, setVenueList] = useState<VenueSummaryView[]>([]);
  const [venueId, setVenueId] = useState('');
  const [sections, setSections] = useState<SectionView[]>([]);
  const [sectionCode, setSectionCode] = useState('');
  const [camera, setCamera] = useState<'off' | 'on' | 'unsupported'>('off');
  const [step, setStep] = useState<PairStep>();
  const [paired, setPaired] = useState<string>();
  const [chain, setChain] = useState<ChainStatus>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const camera$ = useRef<IScannerControls | undefined>(undefined);

  useEffect(() => {
    venues().then(
      (v) => {
        setVenueList(v);
        setVenueId((id) => id || v[0]?.id || '');
      },
      () => undefined,
    );
    return () => camera$.current?.stop();
  }, []);
  useEffect(() => {
    if (!venueId) return;
    venue(venueId).then(
      (v) => {
        setSections(v.sections);
        setSectionCode((s) => (v.sections.some((x) => x.code === s) ? s : (v.sections[0]?.code ?? '')));
      },
      () => setSections([]),
    );
  }, [venueId]);

  // After pairing: follow the registration to the chain, then wait for the device's first heartbeat.
  const device = devices.find((d) => d.address === paired);
  useEffect(() => {
    if (!paired || step === 'online') return;
    let stop = false;
    const tick = async () => {
      const c = await chainStatus(paired).catch(() => undefined);
      if (stop || !c) return;
      setChain(c);
      if (c.status === 'confirmed' || c.status === 'no_chain') setStep((s) => (s === 'chain' ? 'online' : s));
    };
    const t = setInterval(() => void tick(), 1000);
    void tick();
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [paired, step]);
  const done = step === 'online' && device?.status === 'online';

  const scanned = (text: string) => {
    const p = parsePairing(text);
    if (!p) return setProblem('That QR code is not a FanMesh device pairing code.');
    camera$.current?.stop();
    setCamera('off');
    setProblem(undefined);
    setPayload(p);
    setCode(p.code);
    if (p.agent) setAgent(p.agent);
  };
  const scannedRef = useRef(scanned);
  scannedRef.current = scanned;

  const startCamera = async () => {
    if (!navigator.mediaDevices?.getUserMedia) return setCamera('unsupported');
    // A pairing QR holds a signed offer (~190 characters, version 8): ask for more pixels, QR codes only, and let ZXing try harder.
    const reader = new BrowserQRCodeReader(
      new Map<DecodeHintType, unknown>([
        [DecodeHintType.TRY_HARDER, true],
        [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE]],
      ]),
      { delayBetweenScanAttempts: 150 },
    );
    let last = '';
    setCamera('on');
    camera$.current = await reader.decodeFromConstraints({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } } }, video.current!, (result) => {
      const text = result?.getText();
      if (!text || text === last) return;
      last = text;
      scannedRef.current(text);
    });
  };

  const pair = async () => {
    setBusy(true);
    setProblem(undefined);
    setPaired(undefined);
    setChain(undefined);
    try {
      const p = payload && payload.code === code && (!agent || payload.agent === agent) ? payload : await offerFromAgent(agent, code);
      setPayload(p);
      setStep('device');
      const view = await pairDevice(session, p, venueId, sectionCode, setStep);
      setPaired(view.address);
      onPaired();
    } catch (e) {
      setStep(undefined);
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const at = step ? STEPS.findIndex((s) => s.step === step) : -1;
  return (
    <div className="add-device">
      <h2>Add a device</h2>
      <p className="muted">Power the device: it shows a pairing QR and a short code in its terminal and on its status page.</p>
      <video ref={video} className={camera === 'on' ? 'camera' : 'hidden'} muted playsInline aria-label="Camera" />
      {camera !== 'on' && !payload && (
        <button type="button" className="primary" onClick={() => void startCamera().catch(() => setCamera('unsupported'))}>
          Scan the device's QR
        </button>
      )}
      {camera === 'unsupported' && <p className="muted">No camera is available to this page; type the code and the device's address instead.</p>}
      {payload && (
        <p className="scanned" data-testid="scanned">
          Device <code>{payload.offer.device.slice(0, 10)}…</code> ({payload.offer.kind}), code <strong>{payload.code}</strong>
        </p>
      )}
      <form className="pair-form" onSubmit={(e) => (e.preventDefault(), void pair())}>
        <label htmlFor="pair-code">Short code</label>
        <input id="pair-code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="7KQ2-M9XD" autoComplete="off" required />
        <label htmlFor="pair-agent">Device address (its status page)</label>
        <input id="pair-agent" value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="http://192.168.1.40:8787" autoComplete="off" inputMode="url" required />
        <label htmlFor="pair-venue">Venue</label>
        <select id="pair-venue" value={venueId} onChange={(e) => setVenueId(e.target.value)} required>
          {venueList.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}, {v.city}
            </option>
          ))}
        </select>
        <label htmlFor="pair-section">Section</label>
        <select id="pair-section" value={sectionCode} onChange={(e) => setSectionCode(e.target.value)} required>
          {sections.map((s) => (
            <option key={s.id} value={s.code}>
              {s.code} – {s.name}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy || !code || !agent || !venueId || !sectionCode}>
          {busy ? 'Pairing…' : 'Pair device'}
        </button>
      </form>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {step && (
        <ol className="pair-steps" aria-label="Pairing progress" data-testid="pair-progress">
          {STEPS.map((s, i) => {
            const state = done || i < at ? 'done' : i === at ? 'now' : 'todo';
            return (
              <li key={s.step} className={`step-${state}`}>
                <span aria-hidden="true">{state === 'done' ? '✓' : state === 'now' ? '…' : '○'}</span> {s.label}
                {s.step === 'chain' && chain && (
                  <small>
                    {' '}
                    — {chain.status === 'no_chain' ? 'no chain configured' : chain.status === 'confirmed' ? `block ${chain.blockNumber}` : chain.status}
                    {chain.lastError ? ` (${chain.lastError})` : ''}
                  </small>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <p role="status" aria-live="polite" className={done ? 'verdict-ok' : 'sr-status'}>
        {done ? `Paired: the device is online in section ${device!.sectionCode}.` : step ? 'Pairing in progress…' : ''}
      </p>
    </div>
  );
}

function DeviceCard({ device: d, session, onChange }: { device: DeviceView; session: Session; onChange: () => void }) {
  const [report, setReport] = useState<HotspotReport>();
  const [appeal, setAppeal] = useState('');
  const [reason, setReason] = useState('');
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [note, setNote] = useState<string>();
  useEffect(() => {
    if (d.kind !== 'hotspot') return;
    void currentEvent(d.venueId).then(
      (e) =>
        e &&
        myHotspots(e.id).then(
          (r) => setReport(r.find((x) => x.hotspot === d.address)),
          () => undefined,
        ),
    );
  }, [d.address, d.status]);
  const act = (p: Promise<unknown>, ok: string) =>
    p.then(
      () => (setNote(ok), onChange()),
      (e: ApiProblem) => setNote(e.detail),
    );
  const id = d.address.slice(2, 10);
  return (
    <li className="device-card" data-device={d.address}>
      <div className="row">
        <strong>
          {d.kind === 'hotspot' ? 'Hotspot' : d.kind === 'gate' ? 'Turnstile' : 'Sensor'} · {d.sectionCode}
        </strong>
        <span className={`pill pill-${d.status}`} data-testid="device-status">
          {statusText[d.status] ?? d.status}
        </span>
      </div>
      <small className="muted">
        <code>{d.address}</code>
      </small>
      <small>
        {ago(d.lastSeenAt)} · last accepted message #{d.lastSeq} · paired {new Date(d.pairedAt).toLocaleDateString()}
      </small>
      {report && (
        <dl className="report">
          <dt>Uptime</dt>
          <dd>{pct(report.uptime)}</dd>
          <dt>Witnesses</dt>
          <dd>
            {report.verdicts.valid ?? 0} valid, {report.refusals.reduce((n, r) => n + r.count, 0)} refused
          </dd>
          <dt>Score this event</dt>
          <dd>
            {report.score.toFixed(2)}
            {report.storedScore !== null ? ` (final ${report.storedScore.toFixed(2)})` : ''}
          </dd>
          {report.refusals.flatMap((r) => [
            <dt key={r.reason}>Refused: {r.reason}</dt>,
            <dd key={`${r.reason}-n`}>
              {r.count} · {r.meaning}
            </dd>,
          ])}
        </dl>
      )}
      <DeviceReports device={d} />
      {d.revokedReason && <p className="muted">Revoked: {d.revokedReason}</p>}
      {d.denylistedReason && (
        <form className="appeal" onSubmit={(e) => (e.preventDefault(), void act(fileAppeal(d.address, appeal), 'Appeal sent: venue staff will decide it.'))}>
          <p className="problem">
            Denylisted: {d.denylistedReason}
            {report?.denylist?.appeal ? ` · appeal ${report.denylist.appeal.status}${report.denylist.appeal.decisionNote ? `: ${report.denylist.appeal.decisionNote}` : ''}` : ''}
          </p>
          <label htmlFor={`appeal-${id}`}>Why is this wrong?</label>
          <textarea id={`appeal-${id}`} value={appeal} onChange={(e) => setAppeal(e.target.value)} minLength={3} required />
          <button type="submit" className="primary">
            Appeal
          </button>
        </form>
      )}
      {d.status !== 'revoked' && d.status !== 'denylisted' && <TransferDevice session={session} device={d} onDone={onChange} />}
      {d.status !== 'revoked' &&
        (!confirmRevoke ? (
          <button type="button" className="link-dark" onClick={() => setConfirmRevoke(true)}>
            Revoke this device…
          </button>
        ) : (
          <form className="revoke" onSubmit={(e) => (e.preventDefault(), void act(revokeDevice(d.address, reason), 'Revoked: the device can no longer send.'))}>
            <label htmlFor={`revoke-${id}`}>Reason for revoking</label>
            <input id={`revoke-${id}`} value={reason} onChange={(e) => setReason(e.target.value)} minLength={3} required />
            <button type="submit" className="danger">
              Revoke
            </button>
          </form>
        ))}
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
    </li>
  );
}
