import { createHash } from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { TICKET_CSV_FIELDS, TICKET_CSV_MAX_BYTES, TICKET_CSV_MAX_ROWS, type TicketCsvField, type TicketRowProblem } from '@fanmesh/protocol';
import { TicketImportError } from './ticket-import.error';

/** One data row of a ticket list, trimmed, with what is wrong with it on its own (the file and the database add more). */
export interface TicketCsvRow {
  line: number;
  orderRef: string;
  section: string;
  seat: string;
  tier: string;
  /** The buyer's e-mail or phone: stored for the venue's mailer, never logged, never in an answer but the venue's export. */
  contact: string;
  problems: TicketRowProblem[];
}

export interface TicketList {
  /** The header each field was read from. */
  columns: Record<TicketCsvField, string>;
  rows: TicketCsvRow[];
  sha256: string;
}

const FIELDS = Object.keys(TICKET_CSV_FIELDS) as TicketCsvField[];
const MAX_LENGTH: Record<TicketCsvField, number> = { orderRef: 64, section: 16, seat: 16, tier: 32, contact: 254 };
const LABEL: Record<TicketCsvField, string> = { orderRef: 'order ref', section: 'section', seat: 'seat', tier: 'tier', contact: 'contact' };
/** Spreadsheets run a cell that starts with one of these as a formula (CSV injection, OWASP). */
export const FORMULA_START = /^[=+\-@\t\r]/;
/** A phone number in international form starts with "+": data, not a formula, in the contact column only. */
const PHONE = /^\+?[0-9][0-9 ().-]{5,24}$/;
const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[^\s@"<>,;]+$/;

export const FORMULA_POLICY =
  'Refused: a cell starting with =, +, -, @, a tab or a carriage return makes its row bad (a spreadsheet would run it as a formula), ' +
  'except a phone number such as +44 7700 900123 in the contact column. The claim-link export prefixes any such cell with an apostrophe so a spreadsheet shows it as text.';

const normalise = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The file as UTF-8 text: a byte-order mark is dropped; anything else than UTF-8 is refused with where it went wrong. */
export function decodeTicketCsv(bytes: Buffer): string {
  if (bytes.length > TICKET_CSV_MAX_BYTES) {
    throw new TicketImportError('csv_too_large', `The file is ${kb(bytes.length)}; at most ${kb(TICKET_CSV_MAX_BYTES)} is taken. Split it into smaller files.`, {
      maxBytes: TICKET_CSV_MAX_BYTES,
      bytes: bytes.length,
    });
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new TicketImportError('csv_encoding', 'The file is UTF-16 text. Save it again as "CSV UTF-8" and import that.', { encoding: 'utf-16' });
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const loose = body.toString('utf8');
    const line = loose.slice(0, loose.indexOf('\uFFFD')).split('\n').length;
    throw new TicketImportError(
      'csv_encoding',
      `Line ${line} is not UTF-8 text (the file was probably saved as Windows-1252 or Latin-1). Save it again as "CSV UTF-8" and import that.`,
      { line },
    );
  }
  if (text.includes('\u0000')) {
    throw new TicketImportError('csv_encoding', 'The file contains NUL characters (UTF-16 without a byte-order mark?). Save it again as "CSV UTF-8".', { encoding: 'unknown' });
  }
  return text;
}

/**
 * Parses a ticket list (RFC 4180; a comma, or a semicolon as much of Europe exports) and checks each
 * row on its own. Whole-file problems (size, encoding, quoting, missing columns, no rows) are thrown;
 * row problems are collected on the rows so the preview can list every one.
 */
export function parseTicketList(bytes: Buffer): TicketList {
  const text = decodeTicketCsv(bytes);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true, info: true }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      const why =
        err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted cell is never closed'
          : err.code === 'CSV_INVALID_CLOSING_QUOTE'
            ? 'a quote inside a cell is not doubled ("")'
            : err.message;
      throw new TicketImportError('csv_malformed', `The file is not valid CSV${line ? ` at line ${line}` : ''}: ${why}.`, { line: line ?? null, csvCode: err.code });
    }
    throw err;
  }
  if (records.length < 2) throw new TicketImportError('csv_empty', 'The file has no ticket rows under its header.');
  if (records.length - 1 > TICKET_CSV_MAX_ROWS) {
    throw new TicketImportError('csv_too_many_rows', `The file has ${records.length - 1} rows; at most ${TICKET_CSV_MAX_ROWS} per import. Split it.`, {
      maxRows: TICKET_CSV_MAX_ROWS,
    });
  }
  const header = records[0].record.map((h) => h.trim());
  const at: Partial<Record<TicketCsvField, number[]>> = {};
  for (const field of FIELDS) {
    const names = new Set<string>(TICKET_CSV_FIELDS[field].map(normalise));
    const found = header.flatMap((h, i) => (names.has(normalise(h)) ? [i] : []));
    if (found.length) at[field] = field === 'contact' ? found : [found[0]];
  }
  const missing = FIELDS.filter((f) => !at[f]);
  if (missing.length) {
    throw new TicketImportError(
      'csv_missing_columns',
      `The header has no ${missing.map((f) => LABEL[f]).join(', ')} column. Expected columns: order ref, section, seat, tier and an email or phone column.`,
      { missing, header },
    );
  }
  const columns = Object.fromEntries(FIELDS.map((f) => [f, at[f]!.map((i) => header[i]).join(' / ')])) as Record<TicketCsvField, string>;
  const rows = records.slice(1).map(({ record, info }) => checkRow(info.lines, record, header.length, at as Record<TicketCsvField, number[]>));
  return { columns, rows, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function checkRow(line: number, cells: string[], width: number, at: Record<TicketCsvField, number[]>): TicketCsvRow {
  const problems: TicketRowProblem[] = [];
  if (cells.length !== width) problems.push({ code: 'wrong_column_count', field: null, reason: `The row has ${cells.length} cells; the header has ${width}.` });
  const value = (f: TicketCsvField) => at[f].map((i) => (cells[i] ?? '').trim()).find((v) => v !== '') ?? '';
  const row = { line, orderRef: value('orderRef'), section: value('section'), seat: value('seat'), tier: value('tier'), contact: value('contact'), problems };
  for (const field of FIELDS) {
    const v = row[field];
    if (!v) problems.push({ code: 'missing_value', field, reason: `No ${LABEL[field]}.` });
    else if (v.length > MAX_LENGTH[field]) problems.push({ code: 'too_long', field, reason: `The ${LABEL[field]} is longer than ${MAX_LENGTH[field]} characters.` });
    else if (FORMULA_START.test(v) && !(field === 'contact' && PHONE.test(v))) {
      problems.push({ code: 'formula_cell', field, reason: `The ${LABEL[field]} cell starts with "${visible(v[0])}", which a spreadsheet runs as a formula.` });
    } else if (field === 'contact' && !EMAIL.test(v) && !PHONE.test(v)) {
      problems.push({ code: 'bad_contact', field, reason: 'The contact is neither an e-mail address nor a phone number.' });
    }
  }
  return row;
}

/** A cell for a spreadsheet: quoted, and a would-be formula prefixed with an apostrophe so it stays text. */
export function csvCell(v: string): string {
  const safe = FORMULA_START.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

const visible = (c: string) => (c === '\t' ? '\\t' : c === '\r' ? '\\r' : c);
const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);
