import { useEffect, useState } from 'react';
import type { SensorTrustView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { Confirm, Problem } from './ui';
import { venueApi } from './venue-api';

const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** Where a sensor stands, in words: what it counts for toward a moment. */
function standing(s: SensorTrustView): { pill: string; text: string } {
  if (s.established) return { pill: 'accepted', text: s.approved ? 'Approved' : 'Trust earned' };
  if (s.approved) return { pill: 'pending', text: 'Approved, lost trust' };
  if (s.disagree > s.agree) return { pill: 'revoked', text: 'Low trust' };
  return { pill: 'pending', text: `Earning trust (${s.agree} of 3)` };
}

/**
 * The venue's sound sensors and their trust. A moment needs sensors of two owners with established
 * trust: staff approve the sensors the venue installed or checked, and any other sensor earns trust
 * by hearing what the official feed confirms. New keys alone never make a moment.
 */
export function SensorsTab({ venue }: { venue: VenueView }) {
  const [sensors, setSensors] = useState<SensorTrustView[]>();
  const [problem, setProblem] = useState<string>();
  const [asking, setAsking] = useState<{ sensor: SensorTrustView; approve: boolean }>();
  const load = () => venueApi.sensorTrust(venue.id).then(setSensors, (e) => setProblem(words(e)));
  useEffect(() => void load(), [venue.id]);

  const decide = async (sensor: SensorTrustView, approve: boolean) => {
    setAsking(undefined);
    setProblem(undefined);
    try {
      await (approve ? venueApi.approveSensor(venue.id, sensor.device) : venueApi.withdrawSensorApproval(venue.id, sensor.device));
      await load();
    } catch (e) {
      setProblem(words(e));
    }
  };

  const established = new Set((sensors ?? []).filter((s) => s.established).map((s) => s.owner));
  return (
    <div className="sensors">
      <section className="card" aria-labelledby="sensor-trust-title">
        <h2 id="sensor-trust-title">Sound sensors</h2>
        <p>
          The crowd&rsquo;s roar becomes a moment for staff to confirm only when sensors of <strong>two owners with established trust</strong> hear it together. Approve the sensors
          your venue installed or checked. Any other sensor starts at a quarter of full trust and earns it by hearing three moments the official feed confirms.
        </p>
        {sensors && (
          <p data-testid="quorum-readiness" className={established.size >= 2 ? 'ok' : 'warn'}>
            {established.size >= 2
              ? `Ready: ${established.size} owners have sensors with established trust.`
              : `Not ready for moments yet: ${established.size} of 2 owners have a sensor with established trust.`}
          </p>
        )}
      </section>
      {problem && <Problem text={problem} />}
      {!sensors ? (
        <p aria-busy="true">Loading sensors…</p>
      ) : sensors.length === 0 ? (
        <p className="muted">No sound sensors are paired to this venue yet. Their owners pair them in the owner app (Devices), and they appear here.</p>
      ) : (
        <ul className="rows" aria-label="Sound sensors and their trust">
          {sensors.map((s) => {
            const st = standing(s);
            return (
              <li key={s.device} className="row" data-device={s.device}>
                <span>
                  <strong>Section {s.sectionCode}</strong> · sensor <code title={s.device}>{short(s.device)}</code> · owner <code title={s.owner}>{short(s.owner)}</code>
                  <br />
                  <span className={`pill pill-${st.pill}`} data-testid={`trust-${s.device}`}>
                    {st.text}
                  </span>{' '}
                  <meter min={0} max={1} value={s.weight} aria-label={`Trust of sensor ${short(s.device)}`} title={`weight ${s.weight}`} /> {Math.round(s.weight * 100)}% ·{' '}
                  {s.agree} agreed, {s.disagree} disagreed
                </span>
                {s.approved ? (
                  <button className="secondary" onClick={() => setAsking({ sensor: s, approve: false })}>
                    Withdraw approval
                  </button>
                ) : (
                  <button className="primary" onClick={() => setAsking({ sensor: s, approve: true })}>
                    Approve
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {asking && (
        <Confirm
          title={asking.approve ? `Approve sensor ${short(asking.sensor.device)}?` : `Withdraw the approval of ${short(asking.sensor.device)}?`}
          text={
            asking.approve
              ? `It will count at full trust toward moments in section ${asking.sensor.sectionCode}. Approve only a sensor your venue installed or checked: the approval lapses if the device passes to another owner.`
              : 'It keeps only the trust it has earned by hearing confirmed moments.'
          }
          yes={asking.approve ? 'Approve sensor' : 'Withdraw approval'}
          danger={!asking.approve}
          onYes={() => void decide(asking.sensor, asking.approve)}
          onNo={() => setAsking(undefined)}
        />
      )}
    </div>
  );
}
