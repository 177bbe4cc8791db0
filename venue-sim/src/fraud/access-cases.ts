import { Fan } from '../actors/fan';
import type { IssuedTicket } from '../actors/operator';
import { Steward } from '../actors/steward';
import { sleep } from '../clock';
import { freshWallet, MERCH_DOMAIN, MERCH_TYPES, ticketCode } from '../protocol';
import { pool, Stadium } from '../stadium';
import { CaseOutcome, FraudCase, HonestClaim, outcome, refusalCounter } from './case';

/** The honest part of a case: fans arriving at their gates; each admitted fan should earn an admission reward. */
export async function honestArrivals(st: Stadium, fans: Fan[]): Promise<{ tried: number; admitted: number; claims: HonestClaim[] }> {
  const answers = await pool(fans, 16, (f) => st.arrive(f).catch(() => ({ decision: 'error' as const })));
  const admitted = fans.filter((_, i) => answers[i].decision === 'admit');
  return { tried: fans.length, admitted: admitted.length, claims: admitted.map((f) => ({ account: () => f.client(), kind: 'admission' })) };
}

const merge = (o: CaseOutcome, h: { tried: number; admitted: number; claims: HonestClaim[] }): CaseOutcome => ({
  ...o,
  honestTried: o.honestTried + h.tried,
  honestAccepted: o.honestAccepted + h.admitted,
  honestClaims: [...o.honestClaims, ...h.claims],
});

/** A friend shows a screenshot of a fan's code: an old one before the fan arrives, a fresh one after. */
export const screenshotReuse: FraudCase = {
  id: 'screenshot_reuse',
  title: 'Screenshot of a QR reused',
  async run(st, honest) {
    const victims = honest.slice(0, Math.max(1, Math.floor(honest.length / 5)));
    const r = refusalCounter();
    let accepted = 0;
    // 40-60 s old screenshots, sent around in a chat, presented before the holder arrives
    const stale = await pool(victims, 8, (v) => st.gates.laneFor(v.section).scan(v.code(Date.now() - 40_000 - Math.random() * 20_000)));
    const h = await honestArrivals(st, honest);
    // a fresh screenshot taken at the turnstile, presented again right after the holder went in
    const fresh = await pool(victims, 8, (v) => st.gates.laneFor(v.section).scan(v.code()));
    for (const a of [...stale, ...fresh]) a.decision === 'admit' ? accepted++ : r.add(a.reason);
    return merge(
      outcome({
        attempts: stale.length + fresh.length,
        accepted,
        refusals: r.refusals,
        oncePerAccount: victims.map((v) => ({ account: () => v.client(), kind: 'admission' })),
        notes: ['screenshots 40-60 s old before the holder, fresh ones right after the holder was admitted'],
      }),
      h,
    );
  },
};

/** The holder passes the live code to a friend: both show it at two gates serving the section, at the same instant. */
export const twoGatesAtOnce: FraudCase = {
  id: 'two_gates_at_once',
  title: 'Same ticket at two gates at once',
  async run(st, honest) {
    const pairs = honest.map((f) => ({ f, lanes: st.gates.twoGatesFor(f.section) })).filter((x) => x.lanes);
    const sharers = pairs.slice(0, Math.max(1, Math.floor(honest.length / 5)));
    const rest = honest.filter((f) => !sharers.some((s) => s.f === f));
    if (!sharers.length) return outcome({ notes: ['the venue has no section served by two gates'] });
    const r = refusalCounter();
    let extra = 0;
    let attempts = 0;
    const h = honestArrivals(st, rest);
    await pool(sharers, 8, async ({ f, lanes }) => {
      const code = f.code();
      const answers = await Promise.all(lanes!.map((l) => l.scan(code)));
      attempts += answers.length;
      const admits = answers.filter((a) => a.decision === 'admit').length;
      extra += Math.max(0, admits - 1);
      for (const a of answers) if (a.decision !== 'admit') r.add(a.reason);
    });
    // An offline scanner at the second gate (no network) admits the same code; its upload must come back as a conflict.
    const offline = sharers[0];
    const [, second] = offline.lanes!;
    const up = await second.client.attempt<{ results: { result: string }[] }>('POST', `/api/v1/gates/${second.gate.id}/offline-scans`, {
      scans: [{ code: offline.f.code(), scannedAt: new Date().toISOString() }],
    });
    attempts++;
    const result = up.body.results?.[0]?.result ?? up.body.code ?? String(up.status);
    if (result === 'admitted') extra++;
    else r.add(`offline:${result}`);
    const honestResult = await h;
    return merge(
      outcome({
        attempts,
        accepted: extra,
        refusals: r.refusals,
        oncePerAccount: sharers.map((s) => ({ account: () => s.f.client(), kind: 'admission' })),
        alertFilter: (a) => a.type === 'access.conflict',
        notes: ['accepted counts admissions beyond the first per ticket; one offline scan of an admitted ticket is uploaded too'],
      }),
      honestResult,
    );
  },
};

/** Genuine shirts sold to fans, and clones of their tags: the same serial at another place, a second claimant, a forged signature. */
export const merchClones: FraudCase = {
  id: 'merch_clones',
  title: 'Merch clones',
  async run(st, honest) {
    const issuer = freshWallet();
    await st.op.client.post('/api/v1/merch/issuers', { address: issuer.address, venueId: st.venue.id, name: 'Club shop (sim)' });
    const sku = 'JERSEY-HOME-26';
    const buyers = honest.slice(0, Math.max(2, Math.floor(honest.length / 4)));
    const tag = async (serial: string, signer = issuer) => ({ sku, serial, signature: await signer.signTypedData(MERCH_DOMAIN, MERCH_TYPES, { sku, serial }) });
    const run = Date.now().toString(36);
    const tags = await Promise.all(buyers.map((_, i) => tag(`SIM-${run}-${i}`)));
    await st.op.client.post('/api/v1/merch/items', { items: tags });
    const gateA = st.venue.gates[0].code;
    const gateB = st.venue.gates[st.venue.gates.length - 1].code;

    // honest: each buyer checks the tag at gate A and claims it
    let honestOk = 0;
    await pool(buyers, 8, async (b, i) => {
      const c = await b.client();
      const v = await c.attempt<{ verdict: string }>('POST', '/api/v1/merch/verifications', { ...tags[i], place: `gate ${gateA}` });
      const claim = await c.attempt('POST', '/api/v1/merch/claims', tags[i]);
      if (v.body.verdict === 'authentic' && claim.status === 200) honestOk++;
    });

    // adversaries: clone buyers with copied tags, and a forger
    const cloners = buyers
      .slice(0, Math.max(1, Math.floor(buyers.length / 2)))
      .map((_, i) => ({ fan: new Fan(st.url, st.venue.sections[0].code, st.meter.observer), tag: tags[i] }));
    const r = refusalCounter();
    let accepted = 0;
    let attempts = 0;
    await pool(cloners, 8, async ({ fan, tag: t }) => {
      const c = await fan.client();
      const v = await c.attempt<{ verdict: string; reason?: string }>('POST', '/api/v1/merch/verifications', { ...t, place: `gate ${gateB}` });
      attempts++;
      v.body.verdict === 'authentic' ? accepted++ : r.add(`${v.body.verdict}`);
      const claim = await c.attempt('POST', '/api/v1/merch/claims', t);
      attempts++;
      claim.status === 200 ? accepted++ : r.add(claim.body.code);
    });
    const forger = new Fan(st.url, st.venue.sections[0].code, st.meter.observer);
    const forged = await tag(`SIM-${run}-0`, freshWallet());
    const fv = await (await forger.client()).attempt<{ verdict: string }>('POST', '/api/v1/merch/verifications', { ...forged, place: `gate ${gateA}` });
    attempts++;
    fv.body.verdict === 'authentic' ? accepted++ : r.add(fv.body.verdict);
    await sleep(300);
    return outcome({
      attempts,
      accepted,
      refusals: r.refusals,
      honestTried: buyers.length,
      honestAccepted: honestOk,
      fraudAccounts: [...cloners.map((c) => () => c.fan.client()), () => forger.client()],
      alertFilter: (a) => a.type === 'merch.clone_suspected',
      notes: ['merch earns no rewards: the reward columns show what the clone holders earned at this event (must be nothing)'],
    });
  },
};

/** A ground of one section and one gate, with a match starting now: for cases that need a venue and a match of their own. */
async function littleGround(
  st: Stadium,
  g: { name: string; city: string; timezone: string; section: string; match: string },
): Promise<{ venue: { id: string; gates: { id: string; code: string; sectionCodes: string[] }[] }; event: { id: string } }> {
  const venue = await st.op.client.post<{ id: string; gates: { id: string; code: string; sectionCodes: string[] }[] }>('/api/v1/venues', {
    name: `${g.name} ${new Date().toISOString().slice(0, 19)}`,
    city: g.city,
    timezone: g.timezone,
    sections: [{ code: g.section, name: `Block ${g.section}`, stand: 'north', tier: 1, capacity: 500 }],
    gates: [{ code: `${g.section}-A`, name: `${g.name} gate A`, sectionCodes: [g.section] }],
  });
  const event = await st.op.client.post<{ id: string }>('/api/v1/events', { venueId: venue.id, name: g.match, startsAt: new Date().toISOString() });
  return { venue, event };
}

/**
 * Fans admitted here hold tickets for a match at another venue the same evening, and try its gate
 * too (one place at a time: issue 23, property 5): refused as admitted_elsewhere. The honest baseline:
 * a fan holding only the away ticket is admitted there.
 */
export const overlappingEvents: FraudCase = {
  id: 'overlapping_events',
  title: 'Admitted at two overlapping matches',
  needs: { method: 'POST', path: '/api/v1/events', api: 'events with windows (POST /events, endsAt)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const op = st.op.client;
    const { venue: away, event: awayEvent } = await littleGround(st, {
      name: 'Harbour Park',
      city: 'Porto',
      timezone: 'Europe/Lisbon',
      section: 'H1',
      match: 'Away match, same evening',
    });
    const attackers = [0, 1, 2].map(() => new Fan(st.url, st.venue.sections[0].code, st.meter.observer));
    const homeTickets = await st.op.issueTickets(
      st.eventId,
      attackers.map((a) => ({ address: a.wallet.address, section: a.section })),
    );
    homeTickets.forEach((t, i) => (attackers[i].ticket = t));
    for (const a of attackers) await st.arrive(a);
    // the same holders' away tickets, and one honest away fan
    const awayFan = new Fan(st.url, 'H1', st.meter.observer);
    const sold = await op.post<{ tickets: IssuedTicket[] }>(`/api/v1/events/${awayEvent.id}/tickets`, {
      tickets: [...attackers, awayFan].map((f, i) => ({ holder: f.wallet.address, section: 'H1', seat: String(i + 1), tier: 'standard' })),
    });
    await op.post(`/api/v1/events/${awayEvent.id}/transitions`, { to: 'gates_open' });
    const steward = await Steward.hire(st.op, st.url, away.id, away.gates[0], st.meter.observer);
    const r = refusalCounter();
    let accepted = 0;
    for (const [i, a] of attackers.entries()) {
      const answer = await steward.scan(ticketCode(a.wallet, sold.tickets[i]));
      answer.decision === 'admit' ? accepted++ : r.add(answer.reason);
    }
    awayFan.ticket = sold.tickets[attackers.length];
    const honestAway = await steward.scan(awayFan.code());
    for (const to of ['live', 'ended']) await op.post(`/api/v1/events/${awayEvent.id}/transitions`, { to });
    return outcome({
      attempts: attackers.length,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + attackers.length + 1,
      honestAccepted: h.admitted + attackers.filter((a) => a.admitted).length + (honestAway.decision === 'admit' ? 1 : 0),
      honestClaims: [...h.claims, ...attackers.filter((a) => a.admitted).map((a) => ({ account: () => a.client(), kind: 'admission' }))],
      oncePerAccount: attackers.map((a) => ({ account: () => a.client(), kind: 'admission' })),
      notes: [
        `${attackers.length} fans admitted here tried the gate of an overlapping match at ${away.id.slice(0, 8)}; a fan holding only that ticket was ${honestAway.decision === 'admit' ? 'admitted' : 'refused'}`,
      ],
    });
  },
};

/**
 * Late is not lost, and not unreviewed (issue 23, property 7): after a match ends, a steward's phone
 * "uploads" offline decisions for fans who never came. Each is held for staff, who reject them: no
 * admission, nothing paid. The honest baseline: a fan scanned online is admitted, and a fan who really
 * came while the phone was offline is approved by staff and admitted at the time of the scan.
 */
export const lateUpload: FraudCase = {
  id: 'late_upload',
  title: 'Offline decisions uploaded after the match ended',
  needs: { method: 'POST', path: '/api/v1/events/:event/offline-reviews/00000000-0000-4000-8000-000000000000/decision', api: 'offline reviews (held late uploads)' },
  async run(st, honest) {
    const h = await honestArrivals(st, honest);
    const op = st.op.client;
    // its own little ground and match: the drill's match is still on
    const { venue, event } = await littleGround(st, { name: 'Late Lane', city: 'Leeds', timezone: 'Europe/London', section: 'L1', match: 'Late kick-off' });
    const ghosts = [0, 1, 2].map(() => new Fan(st.url, 'L1', st.meter.observer));
    const online = new Fan(st.url, 'L1', st.meter.observer);
    const offlineFan = new Fan(st.url, 'L1', st.meter.observer);
    const people = [...ghosts, online, offlineFan];
    const sold = await op.post<{ tickets: IssuedTicket[] }>(`/api/v1/events/${event.id}/tickets`, {
      tickets: people.map((f, i) => ({ holder: f.wallet.address, section: 'L1', seat: String(i + 1), tier: 'standard' })),
    });
    people.forEach((f, i) => (f.ticket = sold.tickets[i]));
    await op.post(`/api/v1/events/${event.id}/transitions`, { to: 'gates_open' });
    const steward = await Steward.hire(st.op, st.url, venue.id, venue.gates[0], st.meter.observer);
    const during = Date.now();
    const onlineAnswer = await steward.scan(online.code());
    await sleep(100);
    for (const to of ['live', 'ended']) await op.post(`/api/v1/events/${event.id}/transitions`, { to });

    // after the final whistle: "decisions made during the match", for the ghosts and the fan who really came
    const upload = await steward.client.post<{ results: { result: string; reason?: string; ticketId?: string }[] }>(`/api/v1/gates/${venue.gates[0].id}/offline-scans`, {
      scans: [...ghosts, offlineFan].map((f, i) => ({ code: ticketCode(f.wallet, f.ticket!, during + 10 * (i + 1)), scannedAt: new Date(during + 10 * (i + 1)).toISOString() })),
    });
    const r = refusalCounter();
    let accepted = 0;
    for (const x of upload.results.slice(0, ghosts.length)) x.result === 'accepted' ? accepted++ : r.add(x.reason);
    // staff review what was held: the ghosts are rejected, the fan the steward really let in is approved
    const held = (await op.get<{ heldForReview: { id: string; ticketId: string }[] }>(`/api/v1/events/${event.id}/admissions`)).heldForReview;
    const decide = (f: Fan, decision: 'approve' | 'reject') => {
      const review = held.find((x) => x.ticketId === f.ticket!.id);
      return review
        ? op.attempt<{ decision: string; admissionId: string | null }>('POST', `/api/v1/events/${event.id}/offline-reviews/${review.id}/decision`, { decision })
        : undefined;
    };
    for (const g of ghosts) await decide(g, 'reject');
    const approved = await decide(offlineFan, 'approve');
    const admitted = (await op.get<{ admitted: number }>(`/api/v1/events/${event.id}/admissions`)).admitted;
    // what the ghosts hold now: any admission of theirs would be fraud that got through
    accepted += Math.max(0, admitted - (onlineAnswer.decision === 'admit' ? 1 : 0) - (approved?.body.admissionId ? 1 : 0));
    return outcome({
      attempts: ghosts.length,
      accepted,
      refusals: r.refusals,
      honestTried: h.tried + 2,
      honestAccepted: h.admitted + (onlineAnswer.decision === 'admit' ? 1 : 0) + (approved?.body.admissionId ? 1 : 0),
      honestClaims: h.claims,
      notes: [
        `after the end, ${ghosts.length + 1} offline decisions uploaded: ${held.length} held for staff; the ghosts rejected, the real late fan ${approved?.body.decision ?? 'not found'}; ${admitted} admitted at that match`,
      ],
    });
  },
};
