import { useEffect, useState } from 'react';
import type { HotspotView } from '@fanmesh/protocol';
import { getJson } from '../api/client';
import type { StaffListen } from './staff-feed';

type Hotspot = HotspotView;

/** The venue's hotspots: status and witnesses, refreshed as witness counts and device status arrive. */
export function HotspotsPanel({ eventId, listen }: { eventId: string; listen: StaffListen }) {
  const [hotspots, setHotspots] = useState<Hotspot[]>([]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => getJson<Hotspot[]>(`/api/v1/coverage/events/${eventId}/hotspots`).then(setHotspots, () => undefined);
    void load();
    // Witness counts come once a second per event; reload at most that often.
    const off = listen((m) => {
      if ((m.type === 'coverage.witnesses' && m.eventId === eventId) || m.type === 'device.status' || m.type === 'device.appeal')
        timer ??= setTimeout(() => ((timer = undefined), void load()), 500);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [eventId, listen]);

  return (
    <section aria-labelledby="hotspots-title" className="panel">
      <h2 id="hotspots-title">Hotspots</h2>
      {hotspots.length === 0 ? (
        <p className="muted">No hotspots paired at this venue yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Hotspot</th>
              <th scope="col">Section</th>
              <th scope="col">Status</th>
              <th scope="col">Witnesses</th>
              <th scope="col">Refused</th>
            </tr>
          </thead>
          <tbody>
            {hotspots.map((h) => (
              <tr key={h.address} data-hotspot={h.address}>
                <td>
                  <code>{h.address.slice(0, 8)}…</code>
                </td>
                <td>{h.sectionCode}</td>
                <td>
                  <span className={`dot dot-${h.status}`} aria-hidden="true" /> {h.status}
                  {h.denylistedReason ? `: ${h.denylistedReason}` : ''}
                </td>
                <td data-testid="valid">{h.validWitnesses}</td>
                <td>{h.refusedWitnesses}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
