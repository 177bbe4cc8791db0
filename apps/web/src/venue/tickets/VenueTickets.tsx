import { useEffect, useId, useState } from 'react';
import QRCode from 'qrcode';
import type { ClaimLinkStatus, EventView, ImportedTicketView, ImportedTicketsView, TicketImportView } from '@fanmesh/protocol';
import { ApiProblem } from '../../api/client';
import type { Session } from '../../lib/session';
import { fileToBase64, ticketsApi } from './tickets-api';
import './tickets.css';

const SHOWN = 100;
const CLAIM_WORDS: Record<ClaimLinkStatus, string> = { open: 'Not claimed yet', claimed: 'Claimed', expired: 'Link expired', revoked: 'Link replaced', stale: 'Ticket changed' };
const FIELD_WORDS = { orderRef: 'Order ref', section: 'Section', seat: 'Seat', tier: 'Tier', contact: 'Contact' } as const;

const staffVenues = (s: Session) => s.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice('staff@'.length));
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/**
 * /venue/tickets: a venue imports the ticket list its ticketing system exported. The file is
 * previewed first (every bad row with its reasons, nothing written), imported on confirmation,
 * then each ticket's claim link is listed and exported for the venue's mailer.
 */
export function VenueTickets({ session }: { session: Session }) {
  const admin = session.roles.includes('admin');
  const venues = staffVenues(session);
  const [events, setEvents] = useState<EventView[]>();
  const [eventId, setEventId] = useState<string>(() => new URLSearchParams(location.search).get('event') ?? '');
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    if (!admin && !venues.length) return;
    const load = admin ? ticketsApi.events() : Promise.all(venues.map((v) => ticketsApi.events(v))).then((lists) => lists.flat());
    load.then(
      (list) => {
        const upcoming = list.filter((e) => e.status !== 'settled' && e.status !== 'cancelled');
        setEvents(upcoming);
        setEventId((current) => (upcoming.some((e) => e.id === current) ? current : (upcoming[0]?.id ?? '')));
      },
      (e: ApiProblem) => setProblem(e.detail),
    );
  }, [session.address]);

  const pick = (id: string) => {
    setEventId(id);
    history.replaceState(null, '', `/venue/tickets${id ? `?event=${id}` : ''}`);
  };

  if (!admin && !venues.length) {
    return (
      <section className="venue-tickets" data-address={session.address}>
        <h1>Tickets</h1>
        <p>Importing ticket lists is for a venue&apos;s staff. Ask your venue for a staff invite.</p>
      </section>
    );
  }
  const event = events?.find((e) => e.id === eventId);
  return (
    <section className="venue-tickets" data-address={session.address} aria-labelledby="tickets-title">
      <p className="crumbs">
        <a href="/venue">Venue console</a>
      </p>
      <h1 id="tickets-title">Tickets</h1>
      <p className="muted">
        Import the ticket list your ticketing system exports. Each ticket gets a one-time claim link: the fan opens it on their phone and the ticket is theirs — no app store, no
        wallet, no address to copy.
      </p>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {!events && !problem && <p aria-busy="true">Loading matches…</p>}
      {events && events.length === 0 && <p>No upcoming match yet. Create one in the venue console first.</p>}
      {events && events.length > 0 && (
        <label className="field">
          Match
          <select value={eventId} onChange={(e) => pick(e.target.value)}>
            {events.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} · {e.venueName} · {when(e.startsAt)}
              </option>
            ))}
          </select>
        </label>
      )}
      {event && <TicketList key={event.id} event={event} />}
    </section>
  );
}

function TicketList({ event }: { event: EventView }) {
  const [list, setList] = useState<ImportedTicketsView>();
  const [problem, setProblem] = useState<string>();
  const reload = () => ticketsApi.links(event.id).then(setList, (e: ApiProblem) => setProblem(e.detail));
  useEffect(() => void reload(), [event.id]);
  return (
    <>
      <Importer event={event} onImported={() => void reload()} />
      <section className="panel" aria-labelledby="claims-title">
        <div className="row wrap">
          <h2 id="claims-title">Claim links</h2>
          {list && list.summary.total > 0 && <ExportButton event={event} />}
        </div>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
        {!list && !problem && <p aria-busy="true">Loading tickets…</p>}
        {list && list.summary.total === 0 && <p className="muted">No tickets imported for this match yet.</p>}
        {list && list.summary.total > 0 && <Claims list={list} />}
      </section>
    </>
  );
}

function Importer({ event, onImported }: { event: EventView; onImported: () => void }) {
  const [file, setFile] = useState<{ name: string; data: string }>();
  const [preview, setPreview] = useState<TicketImportView>();
  const [done, setDone] = useState<TicketImportView>();
  const [busy, setBusy] = useState<'reading' | 'importing'>();
  const [problem, setProblem] = useState<string>();
  const inputId = useId();

  const choose = async (picked: File | undefined) => {
    setPreview(undefined);
    setDone(undefined);
    setProblem(undefined);
    if (!picked) return setFile(undefined);
    setBusy('reading');
    try {
      const data = await fileToBase64(picked);
      setFile({ name: picked.name, data });
      setPreview(await ticketsApi.import(event.id, data, true));
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  const confirm = async () => {
    if (!file) return;
    setBusy('importing');
    setProblem(undefined);
    try {
      const result = await ticketsApi.import(event.id, file.data, false);
      setDone(result);
      setPreview(undefined);
      onImported();
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title">Import a ticket list</h2>
      <p className="muted">
        A CSV with the columns order ref, section, seat, tier and an email or phone column (other columns are ignored). Nothing is written until you confirm; importing the same
        file again changes nothing.
      </p>
      <label htmlFor={inputId} className="field">
        Ticket list (CSV, UTF-8, up to 2 MB)
      </label>
      <input id={inputId} type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0])} disabled={!!busy} />
      {busy === 'reading' && <p aria-busy="true">Checking the file…</p>}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {preview && <Preview view={preview} fileName={file?.name ?? ''} busy={busy === 'importing'} onConfirm={() => void confirm()} />}
      {done && (
        <p role="status" className="done">
          Imported {done.summary.import} ticket{done.summary.import === 1 ? '' : 's'}
          {done.summary.unchanged ? `; ${done.summary.unchanged} were imported before and stay as they were` : ''}
          {done.summary.errors ? `; ${done.summary.errors} bad row${done.summary.errors === 1 ? ' was' : 's were'} left out` : ''}.
        </p>
      )}
    </section>
  );
}

function Preview({ view, fileName, busy, onConfirm }: { view: TicketImportView; fileName: string; busy: boolean; onConfirm: () => void }) {
  const { summary } = view;
  return (
    <section className="preview" aria-labelledby="preview-title">
      <h3 id="preview-title">Preview of {fileName}</h3>
      <ul className="counts" aria-label="What importing would do">
        <li>
          <strong>{summary.import}</strong> to import
        </li>
        <li>
          <strong>{summary.unchanged}</strong> already imported
        </li>
        <li className={summary.errors ? 'bad' : ''}>
          <strong>{summary.errors}</strong> with problems
        </li>
      </ul>
      <p className="muted small">
        Read from the columns{' '}
        {Object.entries(view.columns)
          .map(([f, h]) => `${FIELD_WORDS[f as keyof typeof FIELD_WORDS]} ← “${h}”`)
          .join(', ')}
        .
      </p>
      {view.bad.length > 0 && (
        <>
          <h4>Rows that will not be imported</h4>
          <ul className="bad-rows" aria-label="Rows with problems">
            {view.bad.map((r) => (
              <li key={r.line} data-line={r.line}>
                <span className="where">
                  Line {r.line}
                  {r.orderRef ? ` · ${r.orderRef}` : ''}
                  {r.section || r.seat ? ` · ${r.section ?? '?'}/${r.seat ?? '?'}` : ''}
                </span>
                <ul>
                  {r.problems.map((p, i) => (
                    <li key={i}>{p.reason}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
          <details>
            <summary>About cells that start with =, +, - or @</summary>
            <p>{view.formulaPolicy}</p>
          </details>
        </>
      )}
      {summary.import > 0 ? (
        <button className="primary big" onClick={onConfirm} disabled={busy}>
          {busy ? 'Importing…' : `Import ${summary.import} ticket${summary.import === 1 ? '' : 's'}`}
        </button>
      ) : (
        <p role="status">Nothing new to import{summary.unchanged ? ': every good row was imported before' : ''}.</p>
      )}
    </section>
  );
}

function Claims({ list }: { list: ImportedTicketsView }) {
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const { summary } = list;
  const match = filter.trim().toLowerCase();
  const shown = list.tickets.filter((t) => !match || `${t.orderRef} ${t.section}/${t.seat}`.toLowerCase().includes(match));
  return (
    <>
      <ul className="counts" aria-label="Claim status">
        <li>
          <strong>{summary.total}</strong> tickets
        </li>
        <li>
          <strong>{summary.claimed}</strong> claimed
        </li>
        <li>
          <strong>{summary.open}</strong> waiting
        </li>
        {summary.expired > 0 && (
          <li className="bad">
            <strong>{summary.expired}</strong> expired
          </li>
        )}
      </ul>
      <label htmlFor={filterId} className="field">
        Find an order or seat
      </label>
      <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="e.g. ORD-0012 or N101/4" />
      <ul className="claims">
        {shown.slice(0, SHOWN).map((t) => (
          <ClaimRow key={t.ticketId} t={t} />
        ))}
      </ul>
      {shown.length > SHOWN && (
        <p className="muted">
          Showing {SHOWN} of {shown.length}. Narrow the search, or export the list for all of them.
        </p>
      )}
    </>
  );
}

function ClaimRow({ t }: { t: ImportedTicketView }) {
  const [qr, setQr] = useState<string>();
  const show = async () => setQr(qr ? undefined : await QRCode.toDataURL(t.url, { errorCorrectionLevel: 'M', margin: 1, width: 240 }));
  return (
    <li className="claim-row" data-order={t.orderRef} data-claim={t.claim}>
      <div className="claim-main">
        <strong>{t.orderRef}</strong>
        <span>
          {t.section}/{t.seat} · {t.tier}
        </span>
        <span className={`badge badge-${t.claim}`}>
          {CLAIM_WORDS[t.claim]}
          {t.claim === 'claimed' && t.holder ? ` by ${t.holder}` : ''}
        </span>
      </div>
      {t.url && t.claim === 'open' && (
        <div className="actions">
          <button className="secondary small" onClick={() => void show()} aria-expanded={!!qr}>
            {qr ? 'Hide QR' : 'Show QR'}
          </button>
          <button className="secondary small" onClick={() => void navigator.clipboard?.writeText(t.url)}>
            Copy link
          </button>
        </div>
      )}
      {qr && <img className="claim-qr" src={qr} width={240} height={240} alt={`Claim QR code for order ${t.orderRef}, seat ${t.section}/${t.seat}`} />}
    </li>
  );
}

function ExportButton({ event }: { event: EventView }) {
  const [problem, setProblem] = useState<string>();
  const download = async () => {
    setProblem(undefined);
    try {
      const csv = await ticketsApi.exportCsv(event.id);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `claim-links-${event.name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
    }
  };
  return (
    <div className="export">
      <button className="secondary" onClick={() => void download()}>
        Export claim links (CSV)
      </button>
      <span className="muted small">For your mailer: order ref, contact and link. Keep it private.</span>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
    </div>
  );
}
