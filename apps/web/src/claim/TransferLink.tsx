import { useState } from 'react';
import QRCode from 'qrcode';
import type { TransferLinkView } from '@fanmesh/protocol';
import { ApiProblem } from '../api/client';
import { claimApi } from './claim-api';
import './claim.css';

/**
 * On a ticket card: a one-time link (and its QR) that hands the ticket to whoever opens it. The
 * ticket stays the holder's until the link is claimed; then this phone's code stops admitting.
 */
export function TransferLink({ ticketId }: { ticketId: string }) {
  const [link, setLink] = useState<TransferLinkView & { qr: string }>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const make = async () => {
    setBusy(true);
    setProblem(undefined);
    setCopied(false);
    try {
      const made = await claimApi.transferLink(ticketId);
      setLink({ ...made, qr: await QRCode.toDataURL(made.url, { errorCorrectionLevel: 'M', margin: 1, width: 240 }) });
    } catch (e) {
      setProblem((e as ApiProblem).detail ?? (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const share = async () => {
    if (!link) return;
    if (navigator.share) await navigator.share({ title: 'A ticket for you', url: link.url }).catch(() => undefined);
    else
      await navigator.clipboard?.writeText(link.url).then(
        () => setCopied(true),
        () => undefined,
      );
  };

  return (
    <details className="transfer-link">
      <summary>Give this ticket to someone</summary>
      <p className="muted small">They open the link on their phone and the ticket is theirs. Until then it stays yours; a new link replaces the last one.</p>
      <button className="secondary" onClick={() => void make()} disabled={busy}>
        {busy ? 'Making a link…' : link ? 'Make a new link' : 'Make a transfer link'}
      </button>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {link && (
        <div className="transfer-made" role="status">
          <img src={link.qr} width={240} height={240} alt="Transfer QR code: the recipient scans it to claim this ticket" />
          <code className="link-text">{link.url}</code>
          <button className="secondary" onClick={() => void share()}>
            {copied ? 'Link copied' : 'Share or copy the link'}
          </button>
          <span className="muted small">Works once, until {new Date(link.expiresAt).toLocaleString()}.</span>
        </div>
      )}
    </details>
  );
}
