import {
  SECTION_CSV_COLUMNS,
  SECTION_CSV_MAX_BYTES,
  SECTION_CSV_MAX_ROWS,
  SECTION_CSV_REQUIRED,
  type SectionImportRowView,
  type SectionRowProblem,
  type SeatMap,
} from '@fanmesh/protocol';
import { VenueError } from './venue.error';
import { STANDS, type Stand } from './venue.model';

export const SECTION_CODE = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
/** Spreadsheets run a cell that starts with one of these as a formula (CSV injection, OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One parsed line of the file: its line number and its cells. */
export interface CsvLine {
  line: number;
  cells: string[];
}

/**
 * RFC 4180 CSV: quoted cells with "" for a quote, CRLF or LF line ends, a UTF-8 byte-order mark
 * ignored. The delimiter is the header's: a comma, or a semicolon as spreadsheets in much of Europe
 * export. Refuses, for the whole file, what no row-by-row report could fix.
 */
export function parseCsv(text: string): { header: string[]; lines: CsvLine[]; delimiter: ',' | ';' } {
  if (new TextEncoder().encode(text).length > SECTION_CSV_MAX_BYTES) {
    throw new VenueError('csv_too_large', `The file is larger than ${SECTION_CSV_MAX_BYTES / 1024} KB; split it into smaller files.`, { maxBytes: SECTION_CSV_MAX_BYTES });
  }
  if (text.includes('\uFFFD')) {
    throw new VenueError('csv_encoding', 'The file is not UTF-8 text (some characters could not be read). Save it again as "CSV UTF-8" and import that.');
  }
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const records: CsvLine[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let touched = false;
  const endCell = () => {
    cells.push(cell);
    cell = '';
  };
  const endRecord = () => {
    endCell();
    if (touched || cells.some((c) => c !== '')) records.push({ line: recordLine, cells });
    cells = [];
    touched = false;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
      touched = true;
    } else if (c === delimiter) {
      endCell();
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += c;
    }
  }
  if (quoted) throw new VenueError('csv_malformed', `A quoted cell that starts on line ${recordLine} is never closed: add the missing ".`, { line: recordLine });
  endRecord();
  if (records.length === 0) throw new VenueError('csv_malformed', 'The file is empty: it needs a header line and one line per section.');
  const [head, ...lines] = records;
  if (lines.length > SECTION_CSV_MAX_ROWS) {
    throw new VenueError('csv_too_large', `The file has ${lines.length} sections; import at most ${SECTION_CSV_MAX_ROWS} at a time.`, { maxRows: SECTION_CSV_MAX_ROWS });
  }
  const header = head.cells.map((h) => h.trim().toLowerCase());
  const missing = SECTION_CSV_REQUIRED.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !(SECTION_CSV_COLUMNS as readonly string[]).includes(h));
  const twice = header.filter((h, i) => header.indexOf(h) !== i);
  if (missing.length || unknown.length || twice.length) {
    const why = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.map((u) => `"${u}"`).join(', ')}` : '',
      twice.length ? `repeated ${twice.join(', ')}` : '',
    ].filter(Boolean);
    throw new VenueError('csv_malformed', `The header line must name the columns ${SECTION_CSV_COLUMNS.join(', ')} (neighbours is optional): ${why.join('; ')}.`, {
      missing,
      unknown,
      repeated: twice,
    });
  }
  if (lines.length === 0) throw new VenueError('csv_malformed', 'The file has a header but no sections.');
  return { header, lines, delimiter };
}

/** What a section CSV row asks for, once it is valid. */
export interface SectionInput {
  code: string;
  name: string;
  stand: Stand;
  tier: number;
  capacity: number;
  neighbours: string[];
}

export interface ExistingSection extends SectionInput {
  seatMap: SeatMap | null;
}

export interface ImportPlan {
  rows: SectionImportRowView[];
  creates: SectionInput[];
  updates: SectionInput[];
}

const sameSection = (a: SectionInput, b: SectionInput) =>
  a.name === b.name && a.stand === b.stand && a.tier === b.tier && a.capacity === b.capacity && [...a.neighbours].sort().join() === [...b.neighbours].sort().join();

/**
 * Checks every row against the file and the venue's sections and says, row by row, what importing
 * would do: create, update, leave unchanged, or refuse and why. Importing the same file twice
 * changes nothing the second time (every row is unchanged).
 */
export function planSectionImport(csv: string, existing: ExistingSection[]): ImportPlan {
  const { header, lines, delimiter } = parseCsv(csv);
  const at = (cells: string[], col: string) => (header.indexOf(col) >= 0 ? (cells[header.indexOf(col)] ?? '') : '');
  const byCode = new Map(existing.map((s) => [s.code, s]));
  const firstLine = new Map<string, number>();
  const fileCodes = new Set(lines.map((l) => at(l.cells, 'code').trim().toUpperCase()).filter((c) => SECTION_CODE.test(c)));
  const rows: SectionImportRowView[] = [];
  const creates: SectionInput[] = [];
  const updates: SectionInput[] = [];

  for (const { line, cells } of lines) {
    const problems: SectionRowProblem[] = [];
    const problem = (p: SectionRowProblem) => problems.push(p);
    if (cells.length !== header.length) {
      problem({ code: 'wrong_column_count', column: null, reason: `has ${cells.length} cells where the header has ${header.length} columns` });
    }
    for (const col of header) {
      const raw = at(cells, col);
      if (FORMULA_START.test(raw)) {
        problem({
          code: 'formula_cell',
          column: col,
          reason: `starts with "${raw[0] === '\t' ? 'tab' : raw[0] === '\r' ? 'carriage return' : raw[0]}", which a spreadsheet would run as a formula`,
        });
      }
    }
    const bad = (col: string) => problems.some((p) => p.column === col);
    const code = at(cells, 'code').trim().toUpperCase();
    if (!bad('code')) {
      if (!SECTION_CODE.test(code)) problem({ code: 'bad_code', column: 'code', reason: `"${code}" is not a section code: 1-16 letters, digits or dashes, e.g. N101` });
      else if (firstLine.has(code)) problem({ code: 'duplicate_code', column: 'code', reason: `${code} is already on line ${firstLine.get(code)}` });
      else firstLine.set(code, line);
    }
    const name = at(cells, 'name').trim();
    if (!bad('name') && (name.length < 1 || name.length > 120)) problem({ code: 'bad_name', column: 'name', reason: 'a name needs 1 to 120 characters' });
    const stand = at(cells, 'stand').trim().toLowerCase();
    if (!bad('stand') && !(STANDS as readonly string[]).includes(stand))
      problem({ code: 'bad_stand', column: 'stand', reason: `"${stand}" is not a stand: use ${STANDS.join(', ')}` });
    const tier = Number(at(cells, 'tier').trim());
    if (!bad('tier') && !(Number.isInteger(tier) && tier >= 1 && tier <= 9)) problem({ code: 'bad_tier', column: 'tier', reason: 'tier must be a whole number from 1 to 9' });
    const capacity = Number(at(cells, 'capacity').trim());
    if (!bad('capacity') && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100_000)) {
      problem({ code: 'bad_capacity', column: 'capacity', reason: 'capacity must be a whole number of seats from 1 to 100,000' });
    }
    const neighbours = [
      ...new Set(
        at(cells, 'neighbours')
          .split(delimiter === ';' ? /[\s|]+/ : /[\s;|]+/)
          .map((n) => n.trim().toUpperCase())
          .filter(Boolean),
      ),
    ];
    if (!bad('neighbours')) {
      const unknown = neighbours.filter((n) => !fileCodes.has(n) && !byCode.has(n));
      if (neighbours.includes(code)) problem({ code: 'self_neighbour', column: 'neighbours', reason: `${code} cannot be its own neighbour` });
      if (unknown.length) problem({ code: 'unknown_neighbour', column: 'neighbours', reason: `no section ${unknown.join(', ')} in this file or at this venue` });
    }
    const before = byCode.get(code);
    if (before?.seatMap && !bad('capacity') && capacity !== before.capacity) {
      problem({ code: 'capacity_from_seat_map', column: 'capacity', reason: `${code}'s capacity comes from its seat map (${before.capacity} seats); edit the seat map instead` });
    }
    if (problems.length) {
      rows.push({ line, code: code || null, action: 'error', problems });
      continue;
    }
    const input: SectionInput = { code, name, stand: stand as Stand, tier, capacity, neighbours };
    const action = !before ? 'create' : sameSection(before, input) ? 'unchanged' : 'update';
    if (action === 'create') creates.push(input);
    if (action === 'update') updates.push(input);
    rows.push({ line, code, action, problems: [] });
  }
  return { rows, creates, updates };
}
