import { useState } from 'react';
import { ApiProblem, postJson } from '../api/client';

export interface FanDrop {
  dropId: string;
  title: string;
  body: string;
  imageUrl?: string | null;
  cta?: { label: string; url: string } | null;
  rewardKind: string;
  codes: string[];
  expiresAt: string;
}

/** Sponsor drops sent to this fan: open one to see it, redeem to get the code (only this fan ever sees it). */
export function DropsInbox({ drops, onRedeemed }: { drops: FanDrop[]; onRedeemed: (dropId: string, code: string) => void }) {
  const [open, setOpen] = useState<string>();
  const [problem, setProblem] = useState<Record<string, string>>({});
  if (!drops.length) return null;

  const show = (d: FanDrop) => {
    setOpen(d.dropId);
    void postJson(`/api/v1/drops/${d.dropId}/opened`).catch(() => undefined);
  };
  const redeem = async (d: FanDrop) => {
    try {
      const r = await postJson<{ code: string }>(`/api/v1/drops/${d.dropId}/redeem`);
      onRedeemed(d.dropId, r.code);
    } catch (e) {
      setProblem((p) => ({ ...p, [d.dropId]: (e as ApiProblem).detail }));
    }
  };

  return (
    <section aria-labelledby="drops-title" className="drops">
      <h2 id="drops-title">Drops for you</h2>
      <ul>
        {drops.map((d) => (
          <li key={d.dropId} className="drop-card" data-drop={d.dropId}>
            <h3>{d.title}</h3>
            {open === d.dropId || d.codes.length ? (
              <>
                <p>{d.body}</p>
                {d.cta && (
                  <a href={d.cta.url} target="_blank" rel="noreferrer">
                    {d.cta.label}
                  </a>
                )}
                {d.codes.length ? (
                  <p className="code" role="status">
                    Your code: <code>{d.codes.join(', ')}</code>
                  </p>
                ) : (
                  <button className="primary" onClick={() => void redeem(d)}>
                    Redeem
                  </button>
                )}
              </>
            ) : (
              <button className="secondary" onClick={() => show(d)}>
                Open
              </button>
            )}
            {problem[d.dropId] && (
              <p className="problem" role="alert">
                {problem[d.dropId]}
              </p>
            )}
            <p className="muted">Until {new Date(d.expiresAt).toLocaleTimeString()}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
