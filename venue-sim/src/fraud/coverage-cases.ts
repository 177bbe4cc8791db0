import { Fan } from '../actors/fan';
import { Hotspot, Owner } from '../actors/device';
import type { IssuedTicket } from '../actors/operator';
import { pool } from '../stadium';
import { FraudCase, outcome, refusalCounter } from './case';
import { honestArrivals } from './access-cases';

/** Where relayed phones really are: home broadband, a mobile carrier, another country (documentation ranges). */
const ELSEWHERE = ['198.51.100.9', '2001:db8:9999::5', '192.0.2.44', '198.51.100.200'];

/**
 * A hotspot owner relays its signed challenges to accomplices with real tickets in the hotspot's own
 * section, who answer from wherever they are: the seat is right, the phone is not on the hotspot.
 */
export const relayedWitness: FraudCase = {
  id: 'relayed_witness',
  title: 'Hotspot relaying challenges to phones elsewhere',
  needs: { method: 'POST', path: '/api/v1/coverage/witnesses', api: 'coverage (POST /coverage/witnesses)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const admitted = honest.filter((f) => f.admitted);
    const section = admitted[0]?.section ?? st.venue.sections[0].code;
    const rogue = await st.newDevice((o) => new Hotspot(section, o, st.devices));
    // the honest baseline: phones on a hotspot's WiFi reach the API through its uplink (the sim's own address)
    const honestSpot = await st.newDevice((o) => new Hotspot(section, o, st.devices));
    const present = admitted.filter((f) => f.section === section);
    const honestAnswers = await pool(present, 8, (f) => honestSpot.witnessedBy(f, st.eventId));
    const accomplices = ELSEWHERE.map(() => new Fan(st.url, section, st.meter.observer));
    const tickets = await st.op.issueTickets(
      st.eventId,
      accomplices.map((a) => ({ address: a.wallet.address, section })),
    );
    tickets.forEach((t, i) => (accomplices[i].ticket = t));
    for (const a of accomplices) await st.arrive(a);
    const r = refusalCounter();
    let accepted = 0;
    for (const [i, a] of accomplices.entries()) {
      (await a.client()).network = ELSEWHERE[i];
      const answer = await rogue.witnessedBy(a, st.eventId);
      answer.body.verdict === 'valid' ? accepted++ : r.add(answer.body.verdict ?? answer.body.code);
    }
    const valid = present.filter((_, i) => honestAnswers[i].body.verdict === 'valid');
    return outcome({
      attempts: accomplices.length,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + present.length,
      honestAccepted: h.admitted + valid.length,
      honestClaims: [...h.claims, ...valid.map((f) => ({ account: () => f.client(), kind: 'witness' }))],
      // accomplices keep their admission (they bought tickets); a witness they earned would be fraud
      fraudKinds: accomplices.map((a) => ({ account: () => a.client(), kinds: ['witness', 'coverage'] })),
      fraudAccounts: [async () => rogue.owner.client],
      notes: [`${accomplices.length} admitted accomplices seated in ${section} answered the hotspot's challenges from other networks (X-Forwarded-For)`],
    });
  },
};

/**
 * A buyer's eight tickets handed to eight keys of their own, all witnessing the buyer's hotspot:
 * eight keys, one person (and the buyer's own group at that).
 */
export const purchaseRing: FraudCase = {
  id: 'purchase_ring',
  title: "One buyer's tickets under many keys witnessing the buyer's hotspot",
  needs: { method: 'GET', path: '/api/v1/coverage/events/:event/scores', api: 'coverage scores (POST/GET /coverage/events/:id/scores)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const section = honest.find((f) => f.admitted)?.section ?? st.venue.sections[0].code;
    const buyer = await new Owner(st.url, st.meter.observer).signIn();
    const ringSpot = await st.newDevice((o) => new Hotspot(section, o, st.devices), buyer);
    const bought = await st.op.issueTickets(
      st.eventId,
      Array.from({ length: 8 }, () => ({ address: buyer.wallet.address, section })),
    );
    const keys = bought.map(() => new Fan(st.url, section, st.meter.observer));
    const r = refusalCounter();
    for (const [i, t] of bought.entries()) {
      // the buyer hands each ticket on by a transfer link; a key of theirs claims it
      const link = await buyer.client.attempt<{ path: string }>('POST', `/api/v1/tickets/${t.id}/transfer-links`);
      if (link.status !== 201) throw new Error(`transfer link refused: ${link.status} ${link.body.code}`);
      const token = link.body.path.slice(link.body.path.lastIndexOf('/') + 1);
      const claimed = await (await keys[i].client()).attempt<IssuedTicket>('POST', '/api/v1/claim-links/claim', { token });
      if (claimed.status !== 200) throw new Error(`claim refused: ${claimed.status} ${claimed.body.code}`);
      keys[i].ticket = claimed.body;
      await st.arrive(keys[i]);
    }
    for (const k of keys.filter((x) => x.admitted)) {
      const a = await ringSpot.witnessedBy(k, st.eventId);
      if (a.body.verdict !== 'valid') r.add(a.body.verdict ?? a.body.code);
    }
    const scores = await st.op.client.attempt<{ hotspot: string; uniqueWitnesses: number }[]>('POST', `/api/v1/coverage/events/${st.eventId}/scores`);
    const ring = (Array.isArray(scores.body) ? scores.body : []).find((s) => s.hotspot === ringSpot.address);
    const counted = ring?.uniqueWitnesses ?? 0;
    if (counted === 0) r.add('counted as the owner (0 people)');
    return outcome({
      attempts: 1,
      accepted: counted > 0 ? 1 : 0,
      refusals: r.refusals,
      honestTried: h.tried,
      honestAccepted: h.admitted,
      honestClaims: h.claims,
      fraudAccounts: [],
      notes: [
        `${keys.filter((k) => k.admitted).length} keys of one purchase witnessed the buyer's hotspot and counted as ${counted} people; coverage is paid per epoch by score, compared here`,
      ],
    });
  },
};

/**
 * A fan admitted, whose ticket the venue then revokes and sells again: the old holder keeps trying
 * to earn inside (witnesses), the seat's new holder is admitted.
 */
export const reissuedSeat: FraudCase = {
  id: 'reissued_seat',
  title: 'Revoked ticket whose holder keeps earning after the seat is sold again',
  needs: { method: 'POST', path: '/api/v1/coverage/witnesses', api: 'coverage (POST /coverage/witnesses)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const section = honest.find((f) => f.admitted)?.section ?? st.venue.sections[0].code;
    const revoked = honest.filter((f) => f.admitted && f.section === section).slice(0, 2);
    const hotspot = await st.newDevice((o) => new Hotspot(section, o, st.devices));
    const buyers: Fan[] = [];
    for (const old of revoked) {
      const was = old.ticket!;
      const r = await st.op.client.attempt('POST', `/api/v1/tickets/${was.id}/revoke`);
      if (r.status !== 204) throw new Error(`revoke refused: ${r.status} ${r.body.code}`);
      const buyer = new Fan(st.url, old.section, st.meter.observer);
      const sold = await st.op.client.post<{ tickets: IssuedTicket[] }>(`/api/v1/events/${st.eventId}/tickets`, {
        tickets: [{ holder: buyer.wallet.address, section: was.section, seat: was.seat, tier: 'standard' }],
      });
      buyer.ticket = sold.tickets[0];
      await st.arrive(buyer);
      buyers.push(buyer);
    }
    const r = refusalCounter();
    let accepted = 0;
    for (const old of revoked) {
      // the revoked holder is still in the stadium and tries to earn: a witness of a hotspot next to their old seat
      const a = await hotspot.witnessedBy(old, st.eventId);
      a.body.verdict === 'valid' ? accepted++ : r.add(a.body.verdict ?? a.body.code);
    }
    const valid = [];
    for (const b of buyers) if ((await hotspot.witnessedBy(b, st.eventId)).body.verdict === 'valid') valid.push(b);
    return outcome({
      attempts: revoked.length,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + buyers.length * 2,
      honestAccepted: h.admitted + buyers.filter((b) => b.admitted).length + valid.length,
      honestClaims: [...h.claims, ...buyers.map((b) => ({ account: () => b.client(), kind: 'admission' })), ...valid.map((b) => ({ account: () => b.client(), kind: 'witness' }))],
      // what the old holders earned before the revocation was theirs; a witness after it would be fraud
      fraudKinds: revoked.map((o) => ({ account: () => o.client(), kinds: ['witness'] })),
      notes: [`${revoked.length} admitted tickets revoked and their seats sold again; the old holders tried to witness, the new holders were admitted and witnessed`],
    });
  },
};

/** A section with two neighbours that are not each other's (a phone cannot be at both within seconds). */
function hopFrom(st: { venue: { sections: { code: string; neighbours: string[] }[] } }): { seat: string; from: string; to: string } | undefined {
  const next = (a: string, b: string) => {
    const sa = st.venue.sections.find((s) => s.code === a);
    const sb = st.venue.sections.find((s) => s.code === b);
    return a === b || !!sa?.neighbours.includes(b) || !!sb?.neighbours.includes(a);
  };
  for (const s of st.venue.sections) for (const a of s.neighbours) for (const b of s.neighbours) if (a < b && !next(a, b)) return { seat: s.code, from: a, to: b };
  return undefined;
}

/**
 * Admitted accomplices seated between two of an owner's hotspots witness one, then the other two
 * sections away seconds later (a relay through the owner's uplinks makes the network right): a phone
 * cannot move that fast, so the second witness is impossible_movement. The honest baseline: fans in
 * that seat section witness a hotspot of their own section.
 */
export const sectionHopping: FraudCase = {
  id: 'section_hopping',
  title: 'One phone witnessing hotspots two sections apart within seconds',
  needs: { method: 'POST', path: '/api/v1/coverage/witnesses', api: 'coverage (POST /coverage/witnesses)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const hop = hopFrom(st);
    if (!hop) throw new Error('the venue has no section with two neighbours that are not each other’s');
    const owner = await new Owner(st.url, st.meter.observer).signIn();
    const [near, far] = [await st.newDevice((o) => new Hotspot(hop.from, o, st.devices), owner), await st.newDevice((o) => new Hotspot(hop.to, o, st.devices), owner)];
    const accomplices = [0, 1, 2].map(() => new Fan(st.url, hop.seat, st.meter.observer));
    const tickets = await st.op.issueTickets(
      st.eventId,
      accomplices.map((a) => ({ address: a.wallet.address, section: hop.seat })),
    );
    tickets.forEach((t, i) => (accomplices[i].ticket = t));
    for (const a of accomplices) await st.arrive(a);
    const r = refusalCounter();
    let accepted = 0;
    let firsts = 0;
    for (const a of accomplices) {
      if ((await near.witnessedBy(a, st.eventId)).body.verdict === 'valid') firsts++;
      const hopped = await far.witnessedBy(a, st.eventId);
      hopped.body.verdict === 'valid' ? accepted++ : r.add(hopped.body.verdict ?? hopped.body.code);
    }
    // the honest baseline: phones in the seat section on a hotspot of that section
    const home = await st.newDevice((o) => new Hotspot(hop.seat, o, st.devices));
    const seated = [];
    for (const _ of [0, 1]) {
      const f = new Fan(st.url, hop.seat, st.meter.observer);
      f.ticket = (await st.op.issueTickets(st.eventId, [{ address: f.wallet.address, section: hop.seat }]))[0];
      await st.arrive(f);
      seated.push(f);
    }
    const valid = [];
    for (const f of seated) if ((await home.witnessedBy(f, st.eventId)).body.verdict === 'valid') valid.push(f);
    return outcome({
      attempts: accomplices.length,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + seated.length * 2,
      honestAccepted: h.admitted + seated.filter((f) => f.admitted).length + valid.length,
      honestClaims: [...h.claims, ...valid.map((f) => ({ account: () => f.client(), kind: 'witness' }))],
      // each accomplice's first witness is one a phone could give; a second one paid would be the hop
      oncePerAccount: accomplices.map((a) => ({ account: () => a.client(), kind: 'witness' })),
      notes: [
        `${accomplices.length} accomplices seated in ${hop.seat} witnessed the owner's hotspot in ${hop.from} (${firsts} valid), then its hotspot in ${hop.to} seconds later`,
      ],
    });
  },
};
