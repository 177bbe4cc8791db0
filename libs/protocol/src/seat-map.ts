/**
 * A section's seat plan, as the venue console draws and edits it: one string per row, front row
 * first; each character is one place on the grid, `#` a seat and `.` no seat (an aisle, a stair, a
 * pillar). Rows may differ in length (a curved stand). Rows are lettered A, B, … Z, AA, AB, …;
 * seats are numbered from 1 along a row, counting seats only, so an aisle does not use up a number.
 */
export interface SeatMap {
  rows: string[];
}

export const SEAT = '#';
export const NO_SEAT = '.';
export const SEAT_MAP_MAX_ROWS = 100;
export const SEAT_MAP_MAX_COLUMNS = 120;
const ROW = /^[#.]+$/;

export function seatCount(map: SeatMap): number {
  let n = 0;
  for (const r of map.rows) for (const c of r) if (c === SEAT) n++;
  return n;
}

/** A, B, … Z, AA, AB, …: the letters for the row at `index` (0 = front). */
export function rowLabel(index: number): string {
  let label = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) label = String.fromCharCode(65 + ((i - 1) % 26)) + label;
  return label;
}

/** The seat at grid column `column` of row `row` as a ticket names it (`B7`), or undefined where there is no seat. */
export function seatLabel(map: SeatMap, row: number, column: number): string | undefined {
  const r = map.rows[row];
  if (r?.[column] !== SEAT) return undefined;
  let number = 0;
  for (let i = 0; i <= column; i++) if (r[i] === SEAT) number++;
  return `${rowLabel(row)}${number}`;
}

/** Every seat's label, row by row. */
export function seatLabels(map: SeatMap): string[] {
  return map.rows.flatMap((r, row) => {
    const labels: string[] = [];
    let number = 0;
    for (const c of r) if (c === SEAT) labels.push(`${rowLabel(row)}${++number}`);
    return labels;
  });
}

/** A plain grid of `rows` × `columns` seats, the editor's starting point. */
export function fullSeatMap(rows: number, columns: number): SeatMap {
  return { rows: Array.from({ length: rows }, () => SEAT.repeat(columns)) };
}

/** Why a seat map cannot be stored, in words, or undefined when it can. */
export function seatMapProblem(map: SeatMap): string | undefined {
  if (!Array.isArray(map.rows) || map.rows.length === 0) return 'a seat map needs at least one row';
  if (map.rows.length > SEAT_MAP_MAX_ROWS) return `a seat map has at most ${SEAT_MAP_MAX_ROWS} rows`;
  for (const [i, r] of map.rows.entries()) {
    if (typeof r !== 'string' || !ROW.test(r)) return `row ${rowLabel(i)} must be made of # (a seat) and . (no seat) only`;
    if (r.length > SEAT_MAP_MAX_COLUMNS) return `row ${rowLabel(i)} is wider than ${SEAT_MAP_MAX_COLUMNS} places`;
  }
  if (seatCount(map) === 0) return 'a seat map needs at least one seat';
  return undefined;
}
