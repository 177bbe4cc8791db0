import { useEffect, useState } from 'react';
import type { AttendanceView, SectionAttendance } from '@fanmesh/protocol';
import { getJson } from '../api/client';
import type { StaffListen } from './staff-feed';

/** Turnstile counters and occupancy sensors beside gate admissions, per section: a gap is tailgating or a bad sensor. */
export function SensorsPanel({ eventId, listen }: { eventId: string; listen: StaffListen }) {
  const [sections, setSections] = useState<SectionAttendance[]>([]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      getJson<AttendanceView>(`/api/v1/events/${eventId}/attendance`).then(
        (a) => setSections(a.sections.filter((s) => s.counted !== null || s.occupancy !== null)),
        () => undefined,
      );
    void load();
    const off = listen((m) => {
      if ((m.type.startsWith('sensing.') || m.type === 'access.throughput') && 'eventId' in m && m.eventId === eventId)
        timer ??= setTimeout(() => ((timer = undefined), void load()), 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [eventId, listen]);
  return (
    <section aria-labelledby="sensors-title" className="panel">
      <h2 id="sensors-title">Sensors</h2>
      {sections.length === 0 ? (
        <p className="muted">No turnstile or occupancy readings for this match yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Section</th>
              <th scope="col">Admitted</th>
              <th scope="col">Turnstiles</th>
              <th scope="col">Occupancy</th>
            </tr>
          </thead>
          <tbody>
            {sections.map((s) => (
              <tr key={s.section} className={s.alert ? 'gap' : ''} data-section={s.section}>
                <td>{s.section}</td>
                <td>{s.admitted}</td>
                <td>
                  {s.counted ?? '—'}
                  {s.alert ? ' ⚠' : ''}
                </td>
                <td>{s.occupancy ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
