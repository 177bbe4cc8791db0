import { useEffect, useRef, useState } from 'react';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { Session } from '../lib/session';

interface Gate {
  id: string;
  code: string;
  name: string;
}
type Verdict = { decision: 'admit'; section: string; seat: string; tier: string; gate: string } | { decision: 'deny'; reason: string; detail: string };

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

/** The steward's phone: pick the gate, scan (camera where the browser can read QR codes, or paste), see a big answer. */
export function GateScanner({ session }: { session: Session }) {
  const venueId = session.roles.find((r) => r.startsWith('steward@') || r.startsWith('staff@'))?.split('@')[1];
  const [gates, setGates] = useState<Gate[]>([]);
  const [gateId, setGateId] = useState<string>();
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict>();
  const [problem, setProblem] = useState<string>();
  const [camera, setCamera] = useState<'off' | 'on' | 'unsupported'>('off');
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    if (!venueId) return;
    getJson<{ gates: Gate[] }>(`/api/v1/venues/${venueId}`).then((v) => {
      setGates(v.gates);
      setGateId((g) => g ?? v.gates[0]?.id);
    });
  }, [venueId]);

  const scan = async (scanned: string) => {
    if (!gateId || !scanned.trim()) return;
    setProblem(undefined);
    try {
      setVerdict(await postJson<Verdict>(`/api/v1/gates/${gateId}/scans`, { code: scanned.trim() }));
      setCode('');
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    }
  };

  const startCamera = async () => {
    const Detector = (window as unknown as { BarcodeDetector?: new (o: object) => { detect(v: HTMLVideoElement): Promise<{ rawValue: string }[]> } }).BarcodeDetector;
    if (!Detector || !navigator.mediaDevices) return setCamera('unsupported');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    video.current!.srcObject = stream;
    await video.current!.play();
    setCamera('on');
    const detector = new Detector({ formats: ['qr_code'] });
    let last = '';
    const loop = async () => {
      if (!video.current?.srcObject) return;
      const found = await detector.detect(video.current).catch(() => []);
      if (found[0] && found[0].rawValue !== last) {
        last = found[0].rawValue;
        await scan(last);
      }
      requestAnimationFrame(() => void loop());
    };
    void loop();
  };

  if (!venueId) return <p>You are not a steward at any venue yet. Ask staff to grant you the steward role. Your address: <code>{session.address}</code></p>;
  return (
    <section className="scanner" data-address={session.address}>
      <div className="row">
        <h1>Gate scanner</h1>
        <select aria-label="Gate" value={gateId} onChange={(e) => setGateId(e.target.value)}>
          {gates.map((g) => <option key={g.id} value={g.id}>{g.code} – {g.name}</option>)}
        </select>
      </div>
      {verdict && (
        <div className={`verdict verdict-${verdict.decision}`} role="status" aria-live="assertive">
          {verdict.decision === 'admit' ? (
            <><strong>ADMIT</strong><span>Section {verdict.section}, seat {verdict.seat} · {verdict.tier}</span></>
          ) : (
            <><strong>DENY</strong><span>{reasonText[verdict.reason] ?? verdict.reason}</span><small>{verdict.detail}</small></>
          )}
        </div>
      )}
      {problem && <p role="alert" className="problem">{problem}</p>}
      <video ref={video} className={camera === 'on' ? 'camera' : 'hidden'} muted playsInline />
      {camera !== 'on' && <button className="primary" onClick={() => void startCamera().catch(() => setCamera('unsupported'))}>Scan with camera</button>}
      {camera === 'unsupported' && <p className="muted">This browser cannot read QR codes from the camera; paste or type the code instead.</p>}
      <form onSubmit={(e) => (e.preventDefault(), void scan(code))} className="manual">
        <label htmlFor="code">Ticket code</label>
        <input id="code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="FM1.…" autoComplete="off" />
        <button type="submit" className="primary">Check</button>
      </form>
    </section>
  );
}
