import { useEffect, useId, useRef, useState } from 'react';
import type { Session } from '../lib/session';

export interface ConsoleProps {
  session: Session;
  /** Signs in again so the session carries roles granted since (an accepted invite). */
  refresh: () => Promise<Session>;
}

export function Problem({ text }: { text: string }) {
  return (
    <p role="alert" className="problem">
      {text}
    </p>
  );
}

/** A question before a move that matters: a modal dialog (focus is held inside; Escape says no). */
export function Confirm({ title, text, yes, danger, onYes, onNo }: { title: string; text: string; yes: string; danger?: boolean; onYes: () => void; onNo: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} className="confirm" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} onCancel={onNo}>
      <h2 id={`${id}-t`}>{title}</h2>
      <p id={`${id}-d`}>{text}</p>
      <div className="actions">
        <button className={danger ? 'danger big' : 'primary big'} onClick={onYes} autoFocus>
          {yes}
        </button>
        <button className="secondary big" onClick={onNo}>
          Not now
        </button>
      </div>
    </dialog>
  );
}

/** Copies a text and says so (a key shown once, an invite link). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="secondary"
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        )
      }
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** A time in the venue's own zone (what the stewards' and fans' clocks there say). */
export function venueTime(iso: string, timezone: string): string {
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone: timezone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  } catch {
    return new Date(iso).toLocaleString();
  }
}
