import { useState } from 'react';
import { fullSeatMap, NO_SEAT, rowLabel, SEAT, SEAT_MAP_MAX_COLUMNS, SEAT_MAP_MAX_ROWS, seatCount, seatLabel, type SectionView, type VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { venueApi } from './venue-api';
import { Problem } from './ui';

const toggle = (row: string, i: number) => row.slice(0, i) + (row[i] === SEAT ? NO_SEAT : SEAT) + row.slice(i + 1);

/**
 * A section's seat plan as a grid: draw rows × places, then tap a place to make it an aisle or a
 * seat again. Saving makes the seats the section's capacity; seats are numbered along each row.
 */
export function SeatMapEditor({ venueId, section, onVenue }: { venueId: string; section: SectionView; onVenue: (v: VenueView) => void }) {
  const [rows, setRows] = useState<string[]>(section.seatMap?.rows ?? []);
  const [size, setSize] = useState({ rows: 10, columns: 20 });
  const [problem, setProblem] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const map = { rows };
  const seats = rows.length ? seatCount(map) : 0;
  const dirty = JSON.stringify(rows) !== JSON.stringify(section.seatMap?.rows ?? []);

  const act = async (fn: () => Promise<VenueView>, done: string) => {
    setProblem(undefined);
    try {
      const v = await fn();
      onVenue(v);
      setSaved(done);
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
    }
  };
  const setRow = (r: number, next: string) => setRows((all) => all.map((x, i) => (i === r ? next : x)));

  return (
    <div className="seat-map">
      <h4>Seat map</h4>
      {rows.length === 0 ? (
        <div className="seat-size">
          <label>
            Rows
            <input type="number" min={1} max={SEAT_MAP_MAX_ROWS} value={size.rows} onChange={(e) => setSize({ ...size, rows: Number(e.target.value) })} />
          </label>
          <label>
            Places per row
            <input type="number" min={1} max={SEAT_MAP_MAX_COLUMNS} value={size.columns} onChange={(e) => setSize({ ...size, columns: Number(e.target.value) })} />
          </label>
          <button
            type="button"
            className="secondary"
            onClick={() => setRows(fullSeatMap(Math.min(Math.max(1, size.rows), SEAT_MAP_MAX_ROWS), Math.min(Math.max(1, size.columns), SEAT_MAP_MAX_COLUMNS)).rows)}
          >
            Draw the grid
          </button>
        </div>
      ) : (
        <>
          <p className="hint">Tap a place to make it an aisle (or a seat again). Seats are numbered along each row, aisles skipped.</p>
          <div className="seat-grid" role="group" aria-label={`Seat map of ${section.code}`}>
            {rows.map((r, ri) => (
              <div className="seat-row" key={ri}>
                <span className="row-label" aria-hidden="true">
                  {rowLabel(ri)}
                </span>
                {[...r].map((c, ci) => {
                  const label = seatLabel(map, ri, ci);
                  return (
                    <button
                      type="button"
                      key={ci}
                      className={c === SEAT ? 'place seat' : 'place aisle'}
                      aria-pressed={c === SEAT}
                      aria-label={label ? `Seat ${label}` : `Row ${rowLabel(ri)}, place ${ci + 1}: no seat`}
                      onClick={() => setRow(ri, toggle(r, ci))}
                    />
                  );
                })}
              </div>
            ))}
          </div>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => rows.length < SEAT_MAP_MAX_ROWS && setRows([...rows, SEAT.repeat(rows[rows.length - 1].length)])}>
              Add a row
            </button>
            <button type="button" className="secondary" disabled={rows.length <= 1} onClick={() => setRows(rows.slice(0, -1))}>
              Remove the last row
            </button>
          </div>
        </>
      )}
      <p>
        <strong data-testid={`seats-${section.code}`}>{seats.toLocaleString()}</strong> seats drawn{section.seatMap ? ' · saved seat maps set the capacity' : ''}
      </p>
      {problem && <Problem text={problem} />}
      {saved && !dirty && (
        <p className="ok" role="status">
          {saved}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!rows.length || !dirty}
          onClick={() => void act(() => venueApi.setSeatMap(venueId, section.code, map), `Seat map saved: ${seats} seats.`)}
        >
          Save the seat map
        </button>
        {section.seatMap && (
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void act(async () => {
                const v = await venueApi.removeSeatMap(venueId, section.code);
                setRows([]);
                return v;
              }, 'Seat map removed; the capacity stays and can be typed again.')
            }
          >
            Remove the seat map
          </button>
        )}
      </div>
    </div>
  );
}
