import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import type { CreatedInviteView, InviteRole, InviteView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import type { Session } from '../lib/session';
import { Confirm, CopyButton, Problem, venueTime } from './ui';
import { venueApi, type GrantView } from './venue-api';

const ROLE_TEXT: Record<string, string> = { staff: 'Staff', steward: 'Steward' };
const STATUS_TEXT: Record<InviteView['status'], string> = { pending: 'Waiting', accepted: 'Accepted', expired: 'Expired', revoked: 'Withdrawn' };
const words = (e: unknown) => (e instanceof ApiProblem ? e.detail : (e as Error).message);

/** Who runs the venue: invite staff and stewards by link or QR, see who holds which role, revoke it. */
export function People({ venue, session }: { venue: VenueView; session: Session }) {
  const admin = session.roles.includes('admin');
  const [grants, setGrants] = useState<GrantView[]>();
  const [invites, setInvites] = useState<InviteView[]>();
  const [problem, setProblem] = useState<string>();
  const [revoking, setRevoking] = useState<GrantView>();
  const load = () => {
    venueApi.roles(venue.id).then(setGrants, (e) => setProblem(words(e)));
    if (admin) venueApi.invites(venue.id).then(setInvites, (e) => setProblem(words(e)));
  };
  useEffect(load, [venue.id]);

  const revoke = async (g: GrantView) => {
    setRevoking(undefined);
    try {
      await venueApi.revokeRole(venue.id, g.address, g.role);
      load();
    } catch (e) {
      setProblem(words(e));
    }
  };

  return (
    <div className="people">
      {admin && <InviteForm venue={venue} onCreated={load} />}
      {problem && <Problem text={problem} />}
      <section className="card" aria-labelledby="roles-title">
        <h2 id="roles-title">Staff and stewards</h2>
        {!grants ? (
          <p aria-busy="true">Loading…</p>
        ) : grants.length === 0 ? (
          <p className="muted">Nobody yet: invite your staff and stewards above.</p>
        ) : (
          <ul className="rows" aria-label="Roles at this venue">
            {grants.map((g) => (
              <li key={g.id} className="row">
                <span>
                  <strong>{ROLE_TEXT[g.role] ?? g.role}</strong> <code className="address">{g.address}</code>
                </span>
                {admin && (
                  <button className="secondary" onClick={() => setRevoking(g)} aria-label={`Revoke ${g.role} from ${g.address}`}>
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {admin && invites && invites.length > 0 && (
        <section className="card" aria-labelledby="invites-title">
          <h2 id="invites-title">Invites</h2>
          <ul className="rows" aria-label="Invites">
            {invites.map((i) => (
              <li key={i.id} className="row">
                <span>
                  <strong>{ROLE_TEXT[i.role]}</strong> {i.label ?? 'no name'} · <span className={`pill pill-${i.status}`}>{STATUS_TEXT[i.status]}</span>{' '}
                  <span className="muted">{i.status === 'accepted' && i.acceptedBy ? `by ${i.acceptedBy.slice(0, 10)}…` : `until ${venueTime(i.expiresAt, venue.timezone)}`}</span>
                </span>
                {i.status === 'pending' && (
                  <button className="secondary" onClick={() => void venueApi.withdrawInvite(venue.id, i.id).then(load, (e) => setProblem(words(e)))}>
                    Withdraw
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {revoking && (
        <Confirm
          title={`Revoke ${revoking.role}?`}
          text={`${revoking.address} stops being ${revoking.role} at ${venue.name} within seconds, on every phone they use.`}
          yes="Yes, revoke"
          danger
          onYes={() => void revoke(revoking)}
          onNo={() => setRevoking(undefined)}
        />
      )}
    </div>
  );
}

function InviteForm({ venue, onCreated }: { venue: VenueView; onCreated: () => void }) {
  const [created, setCreated] = useState<CreatedInviteView & { url: string; qr: string }>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const create = async (role: InviteRole, label: string, ttlHours: number) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const invite = await venueApi.createInvite(venue.id, { role, ttlHours, ...(label ? { label } : {}) });
      const url = `${location.origin}${invite.path}`;
      setCreated({ ...invite, url, qr: await QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 1, width: 240 }) });
      onCreated();
    } catch (e) {
      setProblem(words(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          void create(String(f.get('role')) as InviteRole, String(f.get('label')).trim(), Number(f.get('ttl')));
        }}
      >
        <div className="grid-fields">
          <label>
            Role
            <select name="role" defaultValue="steward">
              <option value="steward">Steward: scans tickets at the gates</option>
              <option value="staff">Staff: runs match day and the dashboard</option>
            </select>
          </label>
          <label>
            Who it is for
            <input name="label" maxLength={80} placeholder="e.g. Maria, north gates" />
          </label>
          <label>
            Link works for
            <select name="ttl" defaultValue="72">
              <option value="24">1 day</option>
              <option value="72">3 days</option>
              <option value="168">7 days</option>
            </select>
          </label>
        </div>
        {problem && <Problem text={problem} />}
        <button className="primary big" disabled={busy}>
          Create invite link
        </button>
      </form>
      {created && (
        <div className="invite-link" role="region" aria-label="Invite link">
          <img src={created.qr} width={240} height={240} alt={`QR code of the invite link for a ${created.role}`} />
          <div>
            <p>
              Send this link to {created.label ?? `your new ${created.role}`}, or let them scan the code. It works once, until {venueTime(created.expiresAt, venue.timezone)}; it is
              shown only now.
            </p>
            <input className="link-box" readOnly value={created.url} aria-label="Invite link" onFocus={(e) => e.currentTarget.select()} />
            <div className="actions">
              <CopyButton text={created.url} label="Copy link" />
              {'share' in navigator && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => void navigator.share({ title: `FanMesh invite: ${venue.name}`, url: created.url }).catch(() => undefined)}
                >
                  Share
                </button>
              )}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
