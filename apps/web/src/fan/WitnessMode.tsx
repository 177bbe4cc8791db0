import { useEffect, useState } from 'react';
import { getBytes, type BaseWallet } from 'ethers';
import { challengeDigest, witnessDigest, type SignedChallenge, type WitnessAnswer, type WitnessSubmission } from '@fanmesh/protocol';
import { ApiProblem, postJson } from '../api/client';

const PORTAL = 'fanmesh.hotspot-portal';
const verdictText: Partial<Record<WitnessAnswer['verdict'], string>> = {
  valid: 'Witness counted',
  fan_not_admitted: 'Check in at the gate first',
  implausible_section: 'This hotspot is too far from your seat',
  not_on_hotspot_network: "Join this hotspot's WiFi, then scan again",
  impossible_movement: 'Not counted: your phone witnessed a hotspot far from here moments ago',
  fan_limit: 'You have witnessed enough hotspots for now',
  hotspot_limit: 'This hotspot has enough witnesses for now',
  expired_challenge: 'Too slow: the challenge expired',
  replayed: 'Already witnessed',
};

/**
 * Witness mode: when the phone is on a venue hotspot, the hotspot's portal hands out signed
 * challenges; the app co-signs each one with the fan's key and sends it in, in the background.
 * The portal address arrives as `?hotspot=` when the captive portal opens the app.
 */
export function WitnessMode({ wallet, address }: { wallet: BaseWallet; address: string }) {
  const [portal] = useState<string | null>(() => {
    const fromLink = new URLSearchParams(location.search).get('hotspot');
    if (fromLink && /^https?:\/\//.test(fromLink)) localStorage.setItem(PORTAL, fromLink);
    return fromLink ?? localStorage.getItem(PORTAL);
  });
  const [on, setOn] = useState(!!portal);
  const [counted, setCounted] = useState(0);
  const [last, setLast] = useState<string>();

  useEffect(() => {
    if (!on || !portal) return;
    let stop = false;
    let lastId = '';
    const tick = async () => {
      try {
        const res = await fetch(`${portal.replace(/\/$/, '')}/fanmesh/challenge`, { cache: 'no-store' });
        if (!res.ok) return setLast('The hotspot has no challenge right now.');
        const signed = (await res.json()) as SignedChallenge;
        if (stop || signed.challenge.id === lastId) return;
        lastId = signed.challenge.id;
        const signedAt = new Date().toISOString();
        const fanSignature = await wallet.signMessage(getBytes(witnessDigest(challengeDigest(signed.challenge), address, signed.challenge.eventId, signedAt)));
        const submission: WitnessSubmission = { challengeId: signed.challenge.id, eventId: signed.challenge.eventId, hotspotSignature: signed.signature, fanSignature, signedAt };
        const r = await postJson<WitnessAnswer>('/api/v1/coverage/witnesses', submission);
        if (r.verdict === 'valid') setCounted((n) => n + 1);
        setLast(verdictText[r.verdict] ?? r.verdict.replace(/_/g, ' '));
      } catch (e) {
        setLast(e instanceof ApiProblem ? e.detail : 'Cannot reach the hotspot; are you on its WiFi?');
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [on, portal, wallet, address]);

  if (!portal) return null;
  return (
    <section className="witness" aria-labelledby="witness-title">
      <div className="row">
        <h2 id="witness-title">Witness mode</h2>
        <label className="switch">
          <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} /> {on ? 'On' : 'Off'}
        </label>
      </div>
      <p className="muted">You are on a fan-run hotspot. Your phone confirms its coverage in the background and earns you FAN.</p>
      <p data-testid="witnessed">
        <strong>{counted}</strong> witness{counted === 1 ? '' : 'es'} counted{last ? ` · ${last}` : ''}
      </p>
    </section>
  );
}
