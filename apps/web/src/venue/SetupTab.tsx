import { useState } from 'react';
import type { GateView, SectionView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { Link } from './console-nav';
import { SeatMapEditor } from './SeatMapEditor';
import { SectionImport } from './SectionImport';
import { Problem } from './ui';
import { venueApi } from './venue-api';
import type { VenueEvents } from './venue-live';

const STANDS = ['north', 'east', 'south', 'west'] as const;
const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);

/** Runs a change and shows its refusal, if any, in place. */
function useAct(onVenue: (v: VenueView) => void) {
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<VenueView>): Promise<boolean> => {
    setBusy(true);
    setProblem(undefined);
    try {
      onVenue(await fn());
      return true;
    } catch (e) {
      setProblem(words(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { act, problem, busy };
}

/** A venue's set-up: its details, sections (with neighbours and seat maps), gates, and a CSV import of sections. */
export function SetupTab({ venue, onVenue, events }: { venue: VenueView; onVenue: (v: VenueView) => void; events: VenueEvents }) {
  const steps = [
    { done: true, text: 'Venue created' },
    { done: venue.sections.length > 0, text: `Sections (${venue.sections.length})` },
    { done: venue.gates.length > 0, text: `Gates (${venue.gates.length})` },
    { done: (events.events?.length ?? 0) > 0, text: 'First match' },
  ];
  return (
    <div className="setup">
      <ol className="checklist" aria-label="Set-up steps">
        {steps.map((s) => (
          <li key={s.text} className={s.done ? 'done' : ''}>
            <span aria-hidden="true">{s.done ? '✓' : '○'}</span> {s.text}
            <span className="sr-only">{s.done ? ' (done)' : ' (to do)'}</span>
          </li>
        ))}
      </ol>
      {steps.every((s) => s.done) ? (
        <p className="ok">
          Set-up done. Next: <Link to={`/venue/${venue.id}/people`}>invite your stewards</Link> and run the match from <Link to={`/venue/${venue.id}/match-day`}>Match day</Link>.
        </p>
      ) : (
        venue.gates.length > 0 && (
          <p>
            Next: <Link to={`/venue/${venue.id}/match-day`}>create your first match</Link>.
          </p>
        )
      )}
      <VenueDetails venue={venue} onVenue={onVenue} />
      <Sections venue={venue} onVenue={onVenue} />
      <Gates venue={venue} onVenue={onVenue} />
      <SectionImport venue={venue} onVenue={onVenue} />
    </div>
  );
}

function VenueDetails({ venue, onVenue }: { venue: VenueView; onVenue: (v: VenueView) => void }) {
  const { act, problem, busy } = useAct(onVenue);
  const [editing, setEditing] = useState(false);
  return (
    <section className="card" aria-labelledby="details-title">
      <h2 id="details-title">Venue</h2>
      {!editing ? (
        <div className="row">
          <p>
            {venue.name} · {venue.city} · {venue.timezone} · <strong>{venue.capacity.toLocaleString()}</strong> seats
          </p>
          <button className="secondary" onClick={() => setEditing(true)}>
            Edit
          </button>
        </div>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            void act(() => venueApi.updateVenue(venue.id, { name: String(f.get('name')), city: String(f.get('city')), timezone: String(f.get('timezone')) })).then(
              (ok) => ok && setEditing(false),
            );
          }}
        >
          <label>
            Venue name
            <input name="name" defaultValue={venue.name} required maxLength={120} />
          </label>
          <label>
            City
            <input name="city" defaultValue={venue.city} required maxLength={120} />
          </label>
          <label>
            Time zone
            <input name="timezone" defaultValue={venue.timezone} required />
          </label>
          {problem && <Problem text={problem} />}
          <div className="actions">
            <button className="primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function Neighbours({ venue, except, chosen, legend }: { venue: VenueView; except?: string; chosen: string[]; legend: string }) {
  const others = venue.sections.filter((s) => s.code !== except);
  if (!others.length) return null;
  return (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {others.map((s) => (
        <label key={s.code} className="check">
          <input type="checkbox" name="neighbours" value={s.code} defaultChecked={chosen.includes(s.code)} /> {s.code}
        </label>
      ))}
    </fieldset>
  );
}

function Sections({ venue, onVenue }: { venue: VenueView; onVenue: (v: VenueView) => void }) {
  const { act, problem, busy } = useAct(onVenue);
  const [open, setOpen] = useState<string>();
  return (
    <section className="card" aria-labelledby="sections-title">
      <h2 id="sections-title">Sections</h2>
      {venue.sections.length === 0 ? (
        <p className="muted">No sections yet: add them one by one here, or import a CSV below.</p>
      ) : (
        <ul className="rows" aria-label="Sections">
          {venue.sections.map((s) => (
            <li key={s.id}>
              <div className="row">
                <span>
                  <strong>{s.code}</strong> {s.name} · {s.stand}, tier {s.tier} · {s.capacity.toLocaleString()} seats{s.seatMap ? ' (seat map)' : ''}
                  {s.neighbours.length > 0 && <span className="muted"> · next to {s.neighbours.join(', ')}</span>}
                </span>
                <button className="secondary" aria-expanded={open === s.code} onClick={() => setOpen(open === s.code ? undefined : s.code)}>
                  {open === s.code ? 'Close' : `Edit ${s.code}`}
                </button>
              </div>
              {open === s.code && <SectionEditor venue={venue} section={s} onVenue={onVenue} />}
            </li>
          ))}
        </ul>
      )}
      <form
        className="form add"
        aria-label="Add a section"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          void act(() =>
            venueApi.addSection(venue.id, {
              code: String(f.get('code')).trim().toUpperCase(),
              name: String(f.get('name')).trim(),
              stand: String(f.get('stand')) as SectionView['stand'],
              tier: Number(f.get('tier')),
              capacity: Number(f.get('capacity')),
              neighbours: f.getAll('neighbours').map(String),
            }),
          ).then((ok) => ok && form.reset());
        }}
      >
        <h3>Add a section</h3>
        <div className="grid-fields">
          <label>
            Section code
            <input name="code" required pattern="[A-Za-z0-9][A-Za-z0-9\-]{0,15}" title="1-16 letters, digits or dashes, e.g. N101" autoCapitalize="characters" />
          </label>
          <label>
            Section name
            <input name="name" required maxLength={120} />
          </label>
          <label>
            Stand
            <select name="stand" defaultValue="north">
              {STANDS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tier
            <input name="tier" type="number" min={1} max={9} defaultValue={1} required />
          </label>
          <label>
            Capacity
            <input name="capacity" type="number" min={1} max={100000} required />
          </label>
        </div>
        <Neighbours venue={venue} chosen={[]} legend="Next to (neighbours)" />
        {problem && <Problem text={problem} />}
        <button className="primary" disabled={busy}>
          Add section
        </button>
      </form>
    </section>
  );
}

function SectionEditor({ venue, section, onVenue }: { venue: VenueView; section: SectionView; onVenue: (v: VenueView) => void }) {
  const { act, problem, busy } = useAct(onVenue);
  const [saved, setSaved] = useState(false);
  return (
    <div className="editor">
      <form
        // read again from the server's answer (a saved seat map sets the capacity)
        key={`${section.capacity}:${section.neighbours.join()}:${section.name}:${section.stand}:${section.tier}`}
        className="form"
        aria-label={`Edit section ${section.code}`}
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          setSaved(false);
          void act(() =>
            venueApi.updateSection(venue.id, section.code, {
              name: String(f.get('name')).trim(),
              stand: String(f.get('stand')) as SectionView['stand'],
              tier: Number(f.get('tier')),
              ...(section.seatMap ? {} : { capacity: Number(f.get('capacity')) }),
              neighbours: f.getAll('neighbours').map(String),
            }),
          ).then(setSaved);
        }}
      >
        <div className="grid-fields">
          <label>
            Name
            <input name="name" defaultValue={section.name} required maxLength={120} />
          </label>
          <label>
            Stand
            <select name="stand" defaultValue={section.stand}>
              {STANDS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tier
            <input name="tier" type="number" min={1} max={9} defaultValue={section.tier} required />
          </label>
          <label>
            Capacity
            <input name="capacity" type="number" min={1} max={100000} defaultValue={section.capacity} disabled={!!section.seatMap} aria-describedby={`cap-${section.code}`} />
            {section.seatMap && (
              <span className="hint" id={`cap-${section.code}`}>
                Set by the seat map.
              </span>
            )}
          </label>
        </div>
        <Neighbours venue={venue} except={section.code} chosen={section.neighbours} legend={`Sections next to ${section.code}`} />
        {problem && <Problem text={problem} />}
        {saved && (
          <p className="ok" role="status">
            Saved.
          </p>
        )}
        <button className="primary" disabled={busy}>
          Save {section.code}
        </button>
      </form>
      <SeatMapEditor venueId={venue.id} section={section} onVenue={onVenue} />
    </div>
  );
}

function ServedSections({ venue, chosen, legend }: { venue: VenueView; chosen: string[]; legend: string }) {
  return (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {venue.sections.map((s) => (
        <label key={s.code} className="check">
          <input type="checkbox" name="sections" value={s.code} defaultChecked={chosen.includes(s.code)} /> {s.code}
        </label>
      ))}
    </fieldset>
  );
}

function Gates({ venue, onVenue }: { venue: VenueView; onVenue: (v: VenueView) => void }) {
  const { act, problem, busy } = useAct(onVenue);
  const [open, setOpen] = useState<string>();
  if (!venue.sections.length) {
    return (
      <section className="card" aria-labelledby="gates-title">
        <h2 id="gates-title">Gates</h2>
        <p className="muted">Add sections first: a gate admits the tickets of the sections it serves.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="gates-title">
      <h2 id="gates-title">Gates</h2>
      {venue.gates.length > 0 && (
        <ul className="rows" aria-label="Gates">
          {venue.gates.map((g) => (
            <li key={g.id}>
              <div className="row">
                <span>
                  <strong>{g.code}</strong> {g.name} · serves {g.sectionCodes.join(', ')}
                </span>
                <button className="secondary" aria-expanded={open === g.code} onClick={() => setOpen(open === g.code ? undefined : g.code)}>
                  {open === g.code ? 'Close' : `Edit ${g.code}`}
                </button>
              </div>
              {open === g.code && <GateEditor venue={venue} gate={g} onVenue={onVenue} />}
            </li>
          ))}
        </ul>
      )}
      <form
        className="form add"
        aria-label="Add a gate"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          void act(() =>
            venueApi.addGate(venue.id, { code: String(f.get('code')).trim().toUpperCase(), name: String(f.get('name')).trim(), sectionCodes: f.getAll('sections').map(String) }),
          ).then((ok) => ok && form.reset());
        }}
      >
        <h3>Add a gate</h3>
        <div className="grid-fields">
          <label>
            Gate code
            <input name="code" required pattern="[A-Za-z0-9][A-Za-z0-9\-]{0,15}" title="1-16 letters, digits or dashes, e.g. N-A" autoCapitalize="characters" />
          </label>
          <label>
            Gate name
            <input name="name" required maxLength={120} />
          </label>
        </div>
        <ServedSections venue={venue} chosen={[]} legend="Sections this gate serves" />
        {problem && <Problem text={problem} />}
        <button className="primary" disabled={busy}>
          Add gate
        </button>
      </form>
    </section>
  );
}

function GateEditor({ venue, gate, onVenue }: { venue: VenueView; gate: GateView; onVenue: (v: VenueView) => void }) {
  const { act, problem, busy } = useAct(onVenue);
  return (
    <form
      className="form editor"
      aria-label={`Edit gate ${gate.code}`}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        void act(() => venueApi.updateGate(venue.id, gate.code, { name: String(f.get('name')).trim(), sectionCodes: f.getAll('sections').map(String) }));
      }}
    >
      <label>
        Name
        <input name="name" defaultValue={gate.name} required maxLength={120} />
      </label>
      <ServedSections venue={venue} chosen={gate.sectionCodes} legend={`Sections ${gate.code} serves`} />
      {problem && <Problem text={problem} />}
      <button className="primary" disabled={busy}>
        Save {gate.code}
      </button>
    </form>
  );
}
