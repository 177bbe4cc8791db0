import { useEffect, useState } from 'react';
import { concat, getBytes, keccak256, toBeHex, type HDNodeWallet, type Wallet } from 'ethers';
import { ApiProblem, postJson } from '../api/client';

/** A hotspot-signed challenge, as the hotspot's local portal serves it at `<portal>/fanmesh/challenge`. */
interface SignedChallenge {
  challenge: { id: string; eventId: string; hotspot: string; nonce: string; issuedAt: string; expiresAt: string };
  signature: string;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const uuid16 = (uuid: string) => '0x' + uuid.replace(/-/g, '').toLowerCase();

// The same bytes as libs/coverage coverage-signatures.ts (the server recomputes them to check both signatures).
function challengeDigest(c: SignedChallenge['challenge']): string {
  return keccak256(concat([utf8('FanMesh coverage challenge v1'), uuid16(c.id), uuid16(c.eventId), c.hotspot.toLowerCase(), c.nonce, toBeHex(Math.floor(Date.parse(c.expiresAt) / 1000), 8)]));
}
function witnessDigest(challenge: string, fan: string, eventId: string, signedAt: string): string {
  return keccak256(concat([utf8('FanMesh coverage witness v1'), challenge, fan.toLowerCase(), uuid16(eventId), utf8(signedAt)]));
}

const PORTAL = 'fanmesh.hotspot-portal';
const verdictText: Record<string, string> = {
  valid: 'Witness counted',
  fan_not_admitted: 'Check in at the gate first',
  implausible_section: 'This hotspot is too far from your seat',
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
export function WitnessMode({ wallet, address }: { wallet: Wallet | HDNodeWallet; address: string }) {
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
        const r = await postJson<{ verdict: string }>('/api/v1/coverage/witnesses', { challengeId: signed.challenge.id, eventId: signed.challenge.eventId, hotspotSignature: signed.signature, fanSignature, signedAt });
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
        <label className="switch"><input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} /> {on ? 'On' : 'Off'}</label>
      </div>
      <p className="muted">You are on a fan-run hotspot. Your phone confirms its coverage in the background and earns you FAN.</p>
      <p data-testid="witnessed"><strong>{counted}</strong> witness{counted === 1 ? '' : 'es'} counted{last ? ` · ${last}` : ''}</p>
    </section>
  );
}
