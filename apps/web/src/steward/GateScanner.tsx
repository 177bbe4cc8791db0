import { useEffect, useRef, useState } from 'react';
import type { IScannerControls } from '@zxing/browser';
import { decodeMerchTag, MERCH_TAG_PREFIX, type EventView, type GateView, type MerchVerdict, type MerchVerification, type ScanResult, type VenueView } from '@fanmesh/protocol';
import { ApiProblem, getJson, postJson } from '../api/client';
import type { Session } from '../lib/session';
import { venueTime } from '../lib/time';
import { admitOffline, loadSnapshot, queued, Snapshot, syncQueue } from './offline-gate';

type Gate = GateView;
type Verdict =
  | ((
      | { decision: 'admit'; section: string; seat: string; tier: string; admittedAt?: string }
      | { decision: 'deny'; reason: string; detail: string; admittedAt?: string; gate?: string }
    ) & {
      offline?: boolean;
    })
  | { decision: 'merch'; verdict: MerchVerdict; sku?: string; serial?: string; reason?: string };

const merchText = { authentic: 'GENUINE', counterfeit: 'FAKE', likely_clone: 'CLONED TAG' } as const;
const counterfeitText: Record<string, string> = {
  unreadable: 'Not a readable FanMesh merch tag (printed or edited by someone else): keep the item and call staff.',
  unknown_serial: 'No item with this serial was ever registered: keep the item and call staff.',
  bad_signature: 'Not signed by a registered issuer.',
};
type Sync = { state: 'online' | 'offline' | 'syncing'; waiting: number; last?: string };

const reasonText: Record<string, string> = {
  already_admitted: 'Already admitted',
  expired_code: 'Code expired – ask for the live code',
  future_code: 'Code from later – the fan’s phone clock is ahead',
  bad_signature: 'Not signed by the ticket holder',
  wrong_event: 'Ticket for another event',
  revoked: 'Ticket revoked or transferred',
  gates_closed: 'Gates are not open',
  wrong_gate: 'Wrong gate for this section',
  unknown_ticket: 'Unknown ticket',
  malformed_code: 'Not a FanMesh ticket',
  admitted_elsewhere: 'Already in at another match happening now',
};

/** The steward's phone: pick the gate, scan (camera, or paste), see a big answer; without a network it checks codes itself and syncs later. */
/**
 * ZXing is most of this area's JavaScript, so it is not part of the page: it loads when the camera
 * starts, and is fetched once the page has been idle a while, so a steward who goes offline before
 * opening the camera still has it (the service worker keeps every asset it has fetched).
 */
const loadZxing = () => import('@zxing/browser');
const ZXING_PREFETCH_MS = 5000;

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
  const [timezone, setTimezone] = useState<string>();
  const [match, setMatch] = useState<EventView>();
  const [copying, setCopying] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const camera$ = useRef<IScannerControls | undefined>(undefined);

  useEffect(() => {
    const timer = setTimeout(() => void loadZxing().catch(() => undefined), ZXING_PREFETCH_MS);
    return () => clearTimeout(timer);
  }, []);

  useEffect(() => {
    if (!venueId) return;
    getJson<VenueView>(`/api/v1/venues/${venueId}`).then((v) => {
      setGates(v.gates);
      setGateId((g) => g ?? v.gates[0]?.id);
      setTimezone(v.timezone);
    });
    // The event at the gates now (or the next one): its snapshot lets this phone keep admitting if the network drops.
    getJson<EventView[]>(`/api/v1/events?venueId=${venueId}`).then(
      (events) => {
        const open = events.find((e) => e.status === 'gates_open' || e.status === 'live');
        const next = events.filter((e) => e.status === 'scheduled').sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
        setMatch(open ?? next);
        if (open) void loadSnapshot(open.id).then(setSnapshot, () => undefined);
      },
      () => undefined,
    );
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
        if (r && !stop)
          setSync({
            state: 'online',
            waiting: (await queued()).length,
            last: `Synced: ${r.accepted} accepted, ${r.conflicts} conflicts, ${r.rejected} refused${r.held ? `, ${r.held} after full time waiting for staff to review` : ''}`,
          });
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
    if (!tag && scanned.trim().startsWith(MERCH_TAG_PREFIX)) {
      // Looks like a merch tag but is not one that was ever printed: a merch verdict, not a ticket's.
      setVerdict({ decision: 'merch', verdict: 'counterfeit', reason: 'unreadable' });
      setCode('');
      return;
    }
    if (tag) {
      // A merch tag, not a ticket: the server checks the issuer's signature and where the serial was last seen.
      const place = `gate ${gates.find((g) => g.id === gateId)?.code ?? gateId}`;
      try {
        const r = await postJson<MerchVerification>('/api/v1/merch/verifications', { ...tag, place });
        setVerdict({ decision: 'merch', ...r, serial: tag.serial });
        setCode('');
      } catch (e) {
        // A tag the server cannot even read (a malformed signature, say) is as fake as one it reads and refuses.
        if ((e as ApiProblem).status === 400) {
          setVerdict({ decision: 'merch', verdict: 'counterfeit', sku: tag.sku, serial: tag.serial, reason: 'unreadable' });
          setCode('');
        } else setProblem((e as ApiProblem).detail);
      }
      return;
    }
    try {
      setVerdict(await postJson<ScanResult>(`/api/v1/gates/${gateId}/scans`, { code: scanned.trim() }));
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
  /** One tap: the match's ticket list (issuer-signed) onto this phone, so it keeps checking codes without a network. */
  const saveCopy = async () => {
    if (!match) return;
    setCopying(true);
    setProblem(undefined);
    try {
      const copy = await loadSnapshot(match.id);
      if (copy) setSnapshot(copy);
      else setProblem('No network, and no offline copy of this match on this phone yet.');
    } catch (e) {
      setProblem((e as ApiProblem).detail);
    } finally {
      setCopying(false);
    }
  };

  const scanRef = useRef(scan);
  scanRef.current = scan;

  // ZXing reads QR codes from the camera in any browser (BarcodeDetector is missing on most desktops).
  const startCamera = async () => {
    if (!navigator.mediaDevices?.getUserMedia) return setCamera('unsupported');
    const { BrowserQRCodeReader } = await loadZxing();
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
        <p>
          You are not a steward at any venue yet. Ask staff to grant you the steward role. Your address: <code>{session.address}</code>
        </p>
      </section>
    );
  }
  return (
    <section className="scanner" data-address={session.address}>
      <div className="row">
        <h1>Gate scanner</h1>
        <select aria-label="Gate" value={gateId} onChange={(e) => setGateId(e.target.value)}>
          {gates.map((g) => (
            <option key={g.id} value={g.id}>
              {g.code} – {g.name}
            </option>
          ))}
        </select>
      </div>
      <p className={`live live-${sync.state === 'offline' ? 'closed' : 'open'}`} data-testid="sync" aria-live="polite">
        {sync.state === 'offline' ? 'Offline' : sync.state === 'syncing' ? 'Syncing…' : 'Online'}
        {' · '}
        {sync.waiting ? `${sync.waiting} scan${sync.waiting === 1 ? '' : 's'} waiting to sync` : 'all scans synced'}
        {snapshot ? '' : ' · no offline copy yet'}
      </p>
      {sync.last && (
        <p className="muted" data-testid="last-sync">
          {sync.last}
        </p>
      )}
      {verdict && (
        <div
          className={`verdict verdict-${verdict.decision === 'merch' ? (verdict.verdict === 'authentic' ? 'admit' : 'deny') : verdict.decision}`}
          role="status"
          aria-live="assertive"
        >
          {verdict.decision === 'merch' ? (
            <>
              <strong>{merchText[verdict.verdict]}</strong>
              <span>
                Merch{verdict.sku ? ` ${verdict.sku}` : ''}
                {verdict.serial ? ` · serial ${verdict.serial}` : ' tag'}
              </span>
              {verdict.reason && (
                <small>
                  {verdict.verdict === 'likely_clone'
                    ? `This serial was ${verdict.reason.startsWith('seen_at:') ? `just seen at ${seenAt(verdict.reason.slice(8))}` : verdict.reason === 'claimed_by_another' ? 'claimed by another fan' : 'flagged before'}: keep the item and call staff.`
                    : (counterfeitText[verdict.reason] ?? counterfeitText.bad_signature)}
                </small>
              )}
            </>
          ) : verdict.decision === 'admit' ? (
            <>
              <strong>ADMIT</strong>
              <span>
                Section {verdict.section}, seat {verdict.seat} · {verdict.tier}
              </span>
              {verdict.admittedAt && <small>Admitted at {venueTime(verdict.admittedAt, timezone)}</small>}
              {verdict.offline && <small>Checked on this phone (offline); it will sync.</small>}
            </>
          ) : (
            <>
              <strong>DENY</strong>
              <span>{reasonText[verdict.reason] ?? verdict.reason}</span>
              {verdict.reason === 'already_admitted' && verdict.admittedAt ? (
                // the server's detail has the time in UTC; the steward reads the venue's clock
                <small data-testid="first-admitted">
                  First admitted at {venueTime(verdict.admittedAt, timezone)}
                  {verdict.gate ? ` at gate ${verdict.gate}` : ''}.
                </small>
              ) : (
                <small>{verdict.detail}</small>
              )}
            </>
          )}
        </div>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <video ref={video} className={camera === 'on' ? 'camera' : 'hidden'} muted playsInline />
      {camera !== 'on' && (
        <button className="primary" onClick={() => void startCamera().catch(() => setCamera('unsupported'))}>
          Scan with camera
        </button>
      )}
      {camera === 'unsupported' && <p className="muted">No camera is available to this page; paste or type the code instead.</p>}
      <form onSubmit={(e) => (e.preventDefault(), void scan(code))} className="manual">
        <label htmlFor="code">Ticket or merch tag code</label>
        <input id="code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="FM1.…" autoComplete="off" />
        <button type="submit" className="primary">
          Check
        </button>
      </form>
      <section className="panel offline-copy" aria-labelledby="offline-copy-title">
        <h2 id="offline-copy-title">Offline copy</h2>
        <p className="muted">
          If the network drops, this phone keeps checking tickets by itself from a copy of the match’s ticket list, signed by the venue. What it admits offline is uploaded when the
          network is back; a ticket used at another gate meanwhile is flagged, never let in twice.
        </p>
        {snapshot ? (
          <p data-testid="offline-copy">
            On this phone: {snapshot.tickets.length} ticket{snapshot.tickets.length === 1 ? '' : 's'}
            {match?.id === snapshot.eventId ? ` for ${match.name}` : ''}, copied at {venueTime(snapshot.generatedAt, timezone)}.
          </p>
        ) : (
          <p data-testid="offline-copy">{match ? `No copy of ${match.name} on this phone yet.` : 'No match at this venue to copy yet.'}</p>
        )}
        {match && (
          <button className="secondary" onClick={() => void saveCopy()} disabled={copying}>
            {copying ? 'Downloading…' : snapshot ? 'Download a fresh offline copy' : 'Download offline copy'}
          </button>
        )}
        {timezone && <p className="muted">Times are the venue’s ({timezone}).</p>}
      </section>
    </section>
  );
}

/** Where the server last saw a serial: `venue:<id>` is another venue's steward or staff (this one's would not be a clone). */
function seenAt(place: string): string {
  return place.startsWith('venue:') ? 'another venue' : place;
}
