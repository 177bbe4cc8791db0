/**
 * Attendance by section as bars scaled to the fullest section, each with its number: a section
 * 1 % full is a visible bar beside one at 80 %, not a hairline on a 0–100 % axis.
 */
export function AttendanceChart({ sections, bySection }: { sections: { code: string; capacity: number }[]; bySection: Record<string, number> }) {
  const rows = sections.map((s) => {
    const admitted = bySection[s.code] ?? 0;
    return { code: s.code, admitted, capacity: s.capacity, share: s.capacity > 0 ? admitted / s.capacity : 0 };
  });
  const fullest = rows.reduce<(typeof rows)[number] | undefined>((best, r) => (r.share > (best?.share ?? 0) ? r : best), undefined);
  const scale = fullest?.share ?? 0;
  const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.001 ? 2 : 1)}%`;
  return (
    <figure className="attendance">
      <figcaption>
        Attendance by section
        <span className="muted">{fullest ? ` · bars scaled to the fullest, ${fullest.code} at ${percent(fullest.share)} of capacity` : ' · nobody admitted yet'}</span>
      </figcaption>
      <ul className="section-bars">
        {rows.map((r) => (
          <li key={r.code} data-section={r.code}>
            <span className="section-code">{r.code}</span>
            <span className="bar-track" aria-hidden="true">
              <span
                className={r.admitted ? 'bar-fill some' : 'bar-fill'}
                data-testid={`section-bar-${r.code}`}
                style={{ width: scale > 0 ? `${(r.share / scale) * 100}%` : '0' }}
              />
            </span>
            <span className="section-figure">
              {percent(r.share)}
              <span className="muted">
                {' '}
                {r.admitted.toLocaleString()}/{r.capacity.toLocaleString()}
              </span>
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
