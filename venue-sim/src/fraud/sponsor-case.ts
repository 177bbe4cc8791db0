import WebSocket from 'ws';
import { ApiClient } from '../client';
import type { Fan } from '../actors/fan';
import { sleep } from '../clock';
import { pool, Stadium } from '../stadium';
import { FraudCase, outcome, refusalCounter } from './case';
import { honestArrivals } from './access-cases';

/** Would a websocket subscription to `channel` with this token be granted? */
async function canSubscribe(url: string, token: string, channel: string): Promise<boolean> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?access_token=${encodeURIComponent(token)}`);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as { type: string };
        if (f.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', channel, id: 1 }));
        else if (f.type === 'subscribed') (clearTimeout(timer), resolve(true));
        else if (f.type === 'error') (clearTimeout(timer), resolve(false));
      });
      ws.once('error', () => (clearTimeout(timer), resolve(false)));
      ws.once('close', () => (clearTimeout(timer), resolve(false)));
    });
  } finally {
    ws.close();
  }
}

/**
 * A drop for every checked-in fan: created by the sponsor, approved by staff, fired; each fan's phone
 * finds it, acknowledges it and redeems one unit. Returns how many redeemed, undefined without drops.
 */
async function sponsorDrop(st: Stadium, sponsor: ApiClient, fans: Fan[]): Promise<number | undefined> {
  const now = Date.now();
  const created = await sponsor.attempt<{ id: string; version: number }>('POST', '/api/v1/drops', {
    eventId: st.eventId,
    content: { title: 'Welcome scarf', body: 'A numbered scarf for everyone inside today.' },
    reward: { kind: 'collectible', name: 'Sim scarf #' },
    trigger: { kind: 'manual' },
    inventory: Math.max(1, fans.length),
    perFanLimit: 1,
    window: { startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() },
  });
  if (created.status === 404) return undefined;
  if (created.status !== 201) throw new Error(`the sponsor could not create a drop: ${created.status} ${created.body.code} ${created.body.detail}`);
  const id = created.body.id;
  await st.op.client.post(`/api/v1/drops/${id}/approve`, { version: created.body.version });
  await sponsor.post(`/api/v1/drops/${id}/fire`, {});
  let redeemed = 0;
  await pool(fans, 8, async (f) => {
    const c = await f.client();
    let mine: { dropId: string }[] = [];
    for (let i = 0; i < 20 && !mine.some((d) => d.dropId === id); i++) {
      mine = await c.get<{ dropId: string }[]>(`/api/v1/drops/mine?eventId=${st.eventId}`);
      if (!mine.some((d) => d.dropId === id)) await sleep(250);
    }
    await c.attempt('POST', `/api/v1/drops/${id}/delivered`, {});
    await c.attempt('POST', `/api/v1/drops/${id}/opened`, {});
    if ((await c.attempt('POST', `/api/v1/drops/${id}/redeem`, {})).status === 200) redeemed++;
  });
  return redeemed;
}

/** A sponsor with a real API key tries every read that could name a fan, over REST and the websocket. */
export const sponsorReadsAddresses: FraudCase = {
  id: 'sponsor_reads_addresses',
  title: "Sponsor trying to read fans' addresses",
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const sponsor = await st.op.client.post<{ id: string }>('/api/v1/sponsors', { venueId: st.venue.id, name: 'Lisbon Lager (sim)' });
    const key = await st.op.client.post<{ key: string }>(`/api/v1/sponsors/${sponsor.id}/keys`);
    const api = new ApiClient(st.url, st.meter.observer);
    api.apiKey = key.key;
    const admitted = honest.filter((f) => f.admitted);
    const addresses = admitted.map((f) => f.address);
    // the honest side of a sponsor: a drop for every checked-in fan, approved by staff, fired, redeemed from the fans' phones
    const redeemed = await sponsorDrop(st, api, admitted);
    const leaks = (text: string) => addresses.some((a) => text.toLowerCase().includes(a.slice(2)));
    const e = st.eventId;
    const v = st.venue.id;
    const reads = [
      `/api/v1/events/${e}/admissions`,
      `/api/v1/events/${e}/attendance`,
      `/api/v1/venues/${v}/roles`,
      `/api/v1/devices?venueId=${v}`,
      `/api/v1/coverage/events/${e}/hotspots`,
      `/api/v1/events/${e}/reward-totals`,
      `/api/v1/events/${e}/moments`,
      `/api/v1/drops`,
    ];
    const r = refusalCounter();
    let accepted = 0;
    for (const path of reads) {
      const a = await api.attempt('GET', path);
      if (a.status === 200 && leaks(JSON.stringify(a.body))) accepted++;
      else r.add(a.status === 200 ? 'answered without addresses' : String(a.status));
    }
    // drops' analytics, for each of this sponsor's drops, must stay aggregate
    const drops = await api.attempt<{ id: string }[]>('GET', '/api/v1/drops');
    for (const d of Array.isArray(drops.body) ? drops.body : []) {
      for (const path of [`/api/v1/drops/${d.id}/analytics`, `/api/v1/drops/${d.id}/analytics/export`]) {
        const a = await api.attempt('GET', path);
        reads.push(path);
        if (a.status === 200 && leaks(JSON.stringify(a.body))) accepted++;
        else r.add(a.status === 200 ? 'answered without addresses' : String(a.status));
      }
    }
    const session = await api.attempt<{ accessToken: string }>('POST', '/api/v1/auth/sponsor-session');
    let wsTried = 0;
    if (session.status === 200) {
      for (const channel of [`fan:${addresses[0]}`, `staff:${v}`, `event:${e}`]) {
        wsTried++;
        const granted = await canSubscribe(st.url, session.body.accessToken, channel);
        // event:<id> is the public match channel; it must carry no addresses, which the fan channels would
        if (granted && channel !== `event:${e}`) accepted++;
        else r.add(granted ? 'event channel (public, no addresses)' : 'ws refused');
      }
    }
    return outcome({
      attempts: reads.length + wsTried,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + (redeemed === undefined ? 0 : admitted.length),
      honestAccepted: h.admitted + (redeemed ?? 0),
      honestClaims: h.claims,
      notes: [
        "accepted = answers that contained an admitted fan's address, or a fan/staff channel subscription granted",
        redeemed === undefined
          ? 'drops API absent: no drop made'
          : `a drop fired to ${admitted.length} checked-in fans, ${redeemed} redeemed it from their phones; its analytics were read too`,
      ],
    });
  },
};
