import type { Session } from '../lib/session';

const SEEN = 'fanmesh.venue-console';

/** Notes on this device whether the signed-in account runs a venue, so pages without a session still show the way back. */
export function rememberConsole(runsAVenue: boolean): void {
  try {
    if (runsAVenue) localStorage.setItem(SEEN, '1');
    else localStorage.removeItem(SEEN);
  } catch {
    // storage refused (private mode): the entry shows only where a session is open
  }
}

/** The navigation's "Venue" entry: for staff and admins (or, before sign-in, a device where one last used the console). */
export function venueNavVisible(session: Session | null): boolean {
  if (session) return session.roles.some((r) => r === 'admin' || r.startsWith('staff@'));
  try {
    return localStorage.getItem(SEEN) === '1';
  } catch {
    return false;
  }
}
