import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import type { BaseWallet } from 'ethers';
import { QR_WINDOW_SECONDS, signQr, windowAt } from '@fanmesh/protocol';

/** The rotating code: a new signed code every 15 s, with a ring counting down to the next. */
export function TicketQr({ wallet, ticketId, version }: { wallet: BaseWallet; ticketId: string; version: number }) {
  const [code, setCode] = useState<string>();
  const [image, setImage] = useState<string>();
  const [left, setLeft] = useState(QR_WINDOW_SECONDS);

  useEffect(() => {
    let window = -1;
    let stop = false;
    const tick = async () => {
      const now = Date.now();
      setLeft(QR_WINDOW_SECONDS - ((now / 1000) % QR_WINDOW_SECONDS));
      if (windowAt(now) === window) return;
      window = windowAt(now);
      const c = await signQr(wallet, ticketId, version, window);
      if (stop) return;
      setCode(c);
      setImage(await QRCode.toDataURL(c, { errorCorrectionLevel: 'M', margin: 1, width: 280 }));
    };
    void tick();
    const timer = setInterval(() => void tick(), 250);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [wallet, ticketId, version]);

  const r = 22;
  const circumference = 2 * Math.PI * r;
  return (
    <figure className="ticket-qr" data-code={code}>
      {image ? <img src={image} alt="Your ticket code; show it at the gate" width={280} height={280} /> : <div className="qr-placeholder">Signing your code…</div>}
      <figcaption>
        <svg width="52" height="52" viewBox="0 0 52 52" role="img" aria-label={`New code in ${Math.ceil(left)} seconds`}>
          <circle cx="26" cy="26" r={r} fill="none" stroke="#dfe9e4" strokeWidth="5" />
          <circle
            cx="26"
            cy="26"
            r={r}
            fill="none"
            stroke="#0b3d2e"
            strokeWidth="5"
            strokeDasharray={circumference}
            strokeDashoffset={circumference * (1 - left / QR_WINDOW_SECONDS)}
            transform="rotate(-90 26 26)"
          />
          <text x="26" y="31" textAnchor="middle" fontSize="14" fill="#14201b">
            {Math.ceil(left)}
          </text>
        </svg>
        <span>The code changes every {QR_WINDOW_SECONDS} s, so a screenshot will not get in.</span>
      </figcaption>
    </figure>
  );
}
