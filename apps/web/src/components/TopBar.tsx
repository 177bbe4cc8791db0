import type { Session } from '../lib/session';
import { venueNavVisible } from '../venue/console-memory';

const SPONSOR_KEY = 'fanmesh.sponsor-key';

const sponsorKeyHeld = () => {
  try {
    return !!sessionStorage.getItem(SPONSOR_KEY);
  } catch {
    return false;
  }
};

/**
 * The areas a person can open, by the roles of their session: everyone their tickets and devices, a
 * steward (or staff) the scanner, staff and admins the dashboard and the venue console, a sponsor
 * holding a key the sponsor console. Before sign-in every area is listed (each asks to sign in).
 * The same links on a phone as on a desktop (they wrap), and sign-out wherever a session is open.
 */
export function areasFor(session: Session | null): { href: string; label: string }[] {
  const roles = session?.roles ?? [];
  const atVenue = (...kinds: string[]) => roles.some((r) => kinds.some((k) => r.startsWith(`${k}@`)));
  const admin = roles.includes('admin');
  const all = !session;
  return [
    { href: '/tickets', label: 'My tickets', show: true },
    { href: '/steward', label: 'Scan', show: all || atVenue('steward', 'staff') },
    { href: '/devices', label: 'Devices', show: true },
    { href: '/staff', label: 'Staff', show: all || admin || atVenue('staff') },
    { href: '/venue', label: 'Venue', show: venueNavVisible(session) },
    { href: '/sponsor', label: 'Sponsor', show: all || sponsorKeyHeld() },
  ].filter((a) => a.show);
}

export function TopBar({ session, onSignOut }: { session: Session | null; onSignOut: () => void }) {
  const here = location.pathname;
  return (
    <header className="topbar">
      <a href="/" className="brand-link" aria-label="FanMesh home">
        <img src="/icons/icon.svg" alt="" width={32} height={32} />
        <span className="brand">FanMesh</span>
      </a>
      <nav aria-label="Areas">
        {areasFor(session).map((a) => (
          <a key={a.href} href={a.href} aria-current={here === a.href || here.startsWith(`${a.href}/`) ? 'page' : undefined}>
            {a.label}
          </a>
        ))}
        {session && (
          <button className="link" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </nav>
    </header>
  );
}
