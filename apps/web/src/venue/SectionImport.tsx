import { useState } from 'react';
import { SECTION_CSV_COLUMNS, type SectionImportView, type VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { Problem } from './ui';
import { venueApi } from './venue-api';

const ACTION: Record<string, string> = { create: 'New', update: 'Changed', unchanged: 'Unchanged', error: 'Refused' };
const EXAMPLE = 'code,name,stand,tier,capacity,neighbours\nN101,North lower 1,north,1,1200,N102\nN102,North lower 2,north,1,1200,N101';

/** Sections from a spreadsheet: a preview of every row first (what it does, or why it can't), then the whole file or nothing. */
export function SectionImport({ venue, onVenue }: { venue: VenueView; onVenue: (v: VenueView) => void }) {
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState<SectionImportView>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setProblem(undefined);
    setDone(undefined);
    try {
      const result = await venueApi.importSections(venue.id, csv, dryRun);
      if (dryRun) setPreview(result);
      else {
        setPreview(undefined);
        setCsv('');
        setDone(`Imported: ${result.summary.create} new, ${result.summary.update} changed, ${result.summary.unchanged} unchanged.`);
        onVenue(await venueApi.venue(venue.id));
      }
    } catch (e) {
      setPreview(undefined);
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const writes = preview ? preview.summary.create + preview.summary.update : 0;
  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import sections from a CSV</h2>
      <p className="muted">
        Columns: {SECTION_CSV_COLUMNS.join(', ')} (neighbours optional, separated by spaces). Rows whose code exists update that section; importing the same file again changes
        nothing.
      </p>
      <label>
        CSV file
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const file = e.target.files?.[0];
            setPreview(undefined);
            if (file) void file.text().then(setCsv);
          }}
        />
      </label>
      <label>
        Or paste it here
        <textarea
          rows={5}
          value={csv}
          placeholder={EXAMPLE}
          onChange={(e) => {
            setCsv(e.target.value);
            setPreview(undefined);
          }}
          spellCheck={false}
        />
      </label>
      <button className="secondary" disabled={!csv.trim() || busy} onClick={() => void run(true)}>
        Preview the import
      </button>
      {problem && <Problem text={problem} />}
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
      {preview && (
        <div className="preview" role="region" aria-label="Import preview">
          <p role="status">
            {preview.summary.create} new · {preview.summary.update} changed · {preview.summary.unchanged} unchanged · <strong>{preview.summary.errors} refused</strong>. Nothing is
            written yet.
          </p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Section</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.line} className={r.action === 'error' ? 'refused' : ''}>
                    <td>{r.line}</td>
                    <td>{r.code ?? '—'}</td>
                    <td>
                      {ACTION[r.action]}
                      {r.problems.length > 0 && (
                        <ul>
                          {r.problems.map((p, i) => (
                            <li key={i}>
                              {p.column ? `${p.column}: ` : ''}
                              {p.reason}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.summary.errors > 0 ? (
            <p>Fix the refused rows in the file and preview it again: a file is imported whole or not at all.</p>
          ) : (
            <button className="primary" disabled={busy || writes === 0} onClick={() => void run(false)}>
              {writes === 0 ? 'Nothing to import' : `Import ${writes} section${writes === 1 ? '' : 's'}`}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
