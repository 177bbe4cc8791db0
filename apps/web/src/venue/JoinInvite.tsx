import { useEffect, useState } from 'react';
import type { InviteLookupView, VenueView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { Problem, type ConsoleProps } from './ui';
import { venueApi } from './venue-api';

const ROLE: Record<string, { name: string; does: string; area: string; areaName: string }> = {
  steward: { name: 'steward', does: 'You scan fans’ tickets at the gates with this phone.', area: '/steward', areaName: 'Open the gate scanner' },
  staff: { name: 'staff', does: 'You run match day: the gates, the live dashboard, moments and polls.', area: '/venue', areaName: 'Open the venue console' },
};

/**
 * /venue/join#<token>: an invite opened on the invitee's phone. It says what it offers; accepting
 * binds the role to the key this app keeps on the phone (no address to copy). A taken link says who
 * holds it and changes nothing.
 */
export function JoinInvite({ session, refresh }: ConsoleProps) {
  const [token] = useState(() => location.hash.slice(1));
  const [invite, setInvite] = useState<InviteLookupView>();
  const [venue, setVenue] = useState<VenueView>();
  const [problem, setProblem] = useState<string>();
  const [joined, setJoined] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) return;
    venueApi.lookupInvite(token).then(
      (i) => {
        setInvite(i);
        void venueApi.venue(i.venueId).then(setVenue, () => undefined);
      },
      (e: ApiProblem) => setProblem(e.detail),
    );
  }, [token]);

  const accept = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await venueApi.acceptInvite(token);
      await refresh();
      // The token has done its work; it should not sit in the address bar or the history.
      history.replaceState(null, '', location.pathname);
      setJoined(true);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e.detail : (e as Error).message);
      if (e instanceof ApiProblem) void venueApi.lookupInvite(token).then(setInvite, () => undefined);
    } finally {
      setBusy(false);
    }
  };

  const role = invite ? ROLE[invite.role] : undefined;
  const where = venue?.name ?? 'the venue';
  const mine = invite?.acceptedBy === session.address;
  return (
    <section className="console join" data-address={session.address} aria-labelledby="join-title">
      <h1 id="join-title">{joined || mine ? `You are ${role?.name ?? 'in'} at ${where}` : role ? `Become ${role.name} at ${where}` : 'Invite'}</h1>
      {!token && <p>This page opens an invite link. Open the whole link you were sent (it ends with a long code after #).</p>}
      {problem && <Problem text={problem} />}
      {invite && role && (
        <div className="card">
          <p>{role.does}</p>
          {joined || mine ? (
            <>
              <p className="ok" role="status">
                Done: the {role.name} role is bound to the key on this phone.
              </p>
              <a className="primary big" href={role.area}>
                {role.areaName}
              </a>
            </>
          ) : invite.status === 'pending' ? (
            <>
              <p className="muted">
                The link works once, until {new Date(invite.expiresAt).toLocaleString()}. Accepting gives the role to this phone&apos;s key (
                <code>{session.address.slice(0, 10)}…</code>): no wallet, nothing to copy.
              </p>
              <button className="primary big" disabled={busy} onClick={() => void accept()}>
                {busy ? 'Accepting…' : `Accept: become ${role.name}`}
              </button>
            </>
          ) : invite.status === 'accepted' ? (
            <p>
              This link was already used: <code>{invite.acceptedBy}</code> is {role.name} from it. Ask the venue for a new link of your own.
            </p>
          ) : (
            <p>This link {invite.status === 'expired' ? 'has expired' : 'was withdrawn by the venue'}. Ask them for a new one.</p>
          )}
        </div>
      )}
    </section>
  );
}
