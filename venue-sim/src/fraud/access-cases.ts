import { Fan } from '../actors/fan';
import { sleep } from '../clock';
import { freshWallet, MERCH_DOMAIN, MERCH_TYPES } from '../protocol';
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
