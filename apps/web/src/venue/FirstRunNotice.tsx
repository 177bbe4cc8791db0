import { useEffect, useState } from 'react';
import './venue.css';
import { venueApi } from './venue-api';

/** On the home page of a FanMesh nobody runs yet: the way to the first-run screen. */
export function FirstRunNotice() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    venueApi.operatorInvite().then(
      (o) => setOpen(o.open),
      () => undefined,
    );
  }, []);
  if (!open) return null;
  return (
    <aside className="first-run-notice" aria-label="First run">
      <p>
        <strong>This FanMesh is new.</strong> You started it on this machine, so you are its first admin.
      </p>
      <a className="primary" href="/venue">
        Open the venue console
      </a>
    </aside>
  );
}
