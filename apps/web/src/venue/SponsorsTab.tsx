import { useEffect, useState } from 'react';
import type { SponsorKeySummaryView, SponsorView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { Confirm, CopyButton, Problem, venueTime } from './ui';
import { venueApi } from './venue-api';

const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);

/** A venue's sponsors and their API keys: a key is shown once, when it is made, and can be revoked at once. */
export function SponsorsTab({ venue }: { venue: VenueView }) {
  const [sponsors, setSponsors] = useState<SponsorView[]>();
  const [problem, setProblem] = useState<string>();
  const [fresh, setFresh] = useState<{ sponsorId: string; key: string }>();
  const [revoking, setRevoking] = useState<{ sponsor: SponsorView; key: SponsorKeySummaryView }>();
  const load = () => venueApi.sponsors(venue.id).then(setSponsors, (e) => setProblem(words(e)));
  useEffect(() => void load(), [venue.id]);

  const act = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setProblem(undefined);
    try {
      await fn();
      await load();
      return true;
    } catch (e) {
      setProblem(words(e));
      return false;
    }
  };

  return (
    <div className="sponsors">
      <section className="card" aria-labelledby="new-sponsor-title">
        <h2 id="new-sponsor-title">New sponsor</h2>
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const name = String(new FormData(form).get('name')).trim();
            void act(() => venueApi.createSponsor(venue.id, name)).then((ok) => ok && form.reset());
          }}
        >
          <label>
            Sponsor name
            <input name="name" required maxLength={120} />
          </label>
          <button className="primary">Add sponsor</button>
        </form>
      </section>
      {problem && <Problem text={problem} />}
      {!sponsors ? (
        <p aria-busy="true">Loading sponsors…</p>
      ) : sponsors.length === 0 ? (
        <p className="muted">No sponsors yet. A sponsor signs in to the sponsor console with an API key you make here.</p>
      ) : (
        sponsors.map((s) => (
          <section key={s.id} className="card" aria-label={`Sponsor ${s.name}`}>
            <h2>{s.name}</h2>
            {fresh?.sponsorId === s.id && (
              <div className="once" role="region" aria-label="New API key">
                <p>
                  <strong>The new API key, shown only this once.</strong> Give it to {s.name}: they paste it into the <a href="/sponsor">sponsor console</a>. FanMesh keeps only its
                  fingerprint, so nobody can show it again; if it is lost, make a new one and revoke this one.
                </p>
                <input className="link-box" readOnly value={fresh.key} aria-label="API key" data-testid="sponsor-key" onFocus={(e) => e.currentTarget.select()} />
                <div className="actions">
                  <CopyButton text={fresh.key} label="Copy key" />
                  <button className="secondary" onClick={() => setFresh(undefined)}>
                    Done, I have stored it
                  </button>
                </div>
              </div>
            )}
            {s.keys.length === 0 ? (
              <p className="muted">No keys yet.</p>
            ) : (
              <ul className="rows" aria-label={`API keys of ${s.name}`}>
                {s.keys.map((k) => (
                  <li key={k.id} className="row">
                    <span>
                      <code>{k.prefix}…</code> made {venueTime(k.createdAt, venue.timezone)} ·{' '}
                      {k.revokedAt ? <span className="pill pill-revoked">Revoked</span> : k.lastUsedAt ? `last used ${venueTime(k.lastUsedAt, venue.timezone)}` : 'not used yet'}
                    </span>
                    {!k.revokedAt && (
                      <button className="secondary" onClick={() => setRevoking({ sponsor: s, key: k })} aria-label={`Revoke key ${k.prefix}`}>
                        Revoke
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            <button
              className="primary"
              onClick={() =>
                void act(async () => {
                  const made = await venueApi.createSponsorKey(s.id);
                  setFresh({ sponsorId: s.id, key: made.key });
                })
              }
            >
              New API key
            </button>
          </section>
        ))
      )}
      {revoking && (
        <Confirm
          title={`Revoke ${revoking.sponsor.name}'s key ${revoking.key.prefix}…?`}
          text="The key stops working at once, and so does every sponsor console session opened with it."
          yes="Yes, revoke the key"
          danger
          onYes={() => {
            const r = revoking;
            setRevoking(undefined);
            void act(() => venueApi.revokeSponsorKey(r.sponsor.id, r.key.id));
          }}
          onNo={() => setRevoking(undefined)}
        />
      )}
    </div>
  );
}
