import type { AgentStatus } from './agent';
import { escapeHtml as e } from './http';
import { Pairing } from './pairing';

const ago = (iso?: string) => (iso ? `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago` : 'never');

/** The local status page: what the device is, whether it is paired (else its pairing QR and code), and how sending goes. */
export async function statusPage(s: AgentStatus, pairing?: { payload: string; code: string; expiresAt: string }): Promise<string> {
  const rows: [string, string][] = [
    ['Device', s.device],
    ['Role', `${s.role} (kind ${s.kind})`],
    ['API', s.api],
    ['Registration', s.registration + (s.registrationDetail ? ` — ${s.registrationDetail}` : '')],
    ['Venue', s.venueId ?? 'unknown'],
    ['Event', s.event ? `${s.event.id} (${s.event.status})` : 'none open'],
    ['Clock', `${s.clock.text}${s.clock.ok ? '' : ' — too far off: not signing'}`],
    [
      'Queue',
      `${s.queue.queued} queued, ${s.queue.pending} in the envelope on its way${s.queue.oldestAt ? `, oldest from ${s.queue.oldestAt}` : ''}${s.queue.shed ? `, ${s.queue.shed} shed (queue full)` : ''}${s.queue.dropped ? `, ${s.queue.dropped} dropped` : ''}`,
    ],
    ['Sent', `${s.sent.envelopes} envelopes, ${s.sent.readings} readings (${s.sent.replayed} confirmed after a lost answer, ${s.sent.resigned} re-signed)`],
    ['Last accepted', s.lastAccepted ? `seq ${s.lastAccepted.seq} (${s.lastAccepted.type}) ${ago(s.lastAccepted.at)}` : 'nothing yet'],
    ['Last refusal', s.lastRefusal ? `${s.lastRefusal.code}: ${s.lastRefusal.detail} (${ago(s.lastRefusal.at)})` : 'none'],
  ];
  if (s.source) rows.push(['Source', `${s.source.description} — ${s.source.healthy ? 'up' : 'DOWN'}`]);
  if (s.portal) rows.push(['Portal', `${s.portal.url}/fanmesh/challenge — ${s.portal.served} challenges served`]);
  const pair = pairing
    ? `<section class="pair"><h2>Pair this device</h2>
<p>Open the FanMesh app, go to <b>Devices → Add</b> and scan this code. No camera? Type the short code instead.</p>
<div class="qr">${await Pairing.svgQr(pairing.payload)}</div>
<p class="code" data-testid="pairing-code">${e(pairing.code)}</p>
<p class="muted">Valid until ${e(pairing.expiresAt)}; a new code replaces it before then. Anyone who can see this page can pair the device: pair it soon after installing.</p>
</section>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="10"><title>FanMesh ${e(s.role)} ${e(s.device.slice(0, 10))}</title>
<style>body{font:16px/1.4 system-ui,sans-serif;margin:1rem auto;max-width:42rem;padding:0 1rem;color:#111}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{width:9rem;color:#444;font-weight:600}.qr svg{width:min(22rem,100%);height:auto}.code{font:700 2rem ui-monospace,monospace;letter-spacing:.2rem}
.muted{color:#555;font-size:.9rem}.pair{border:2px solid #0a5;border-radius:.5rem;padding:0 1rem;margin:1rem 0}</style></head>
<body><h1>FanMesh ${e(s.role)}</h1>${pair}
<table>${rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>
<p class="muted">fanmesh-agent ${e(s.version)} · started ${e(s.startedAt)} · <a href="/status.json">status.json</a></p></body></html>`;
}
