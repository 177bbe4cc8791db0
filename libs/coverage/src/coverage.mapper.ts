import type { HotspotScore, ValidWitness } from '@fanmesh/directory';
import type { Challenge, DeviceView, HotspotView, WitnessAnswer } from '@fanmesh/protocol';
import { VERDICT_MEANING, WITNESS_VERDICTS, WitnessVerdict } from './coverage.error';
import type { ChallengeRow, FanVerdictRow, ScoreRow, StoredScoreRow, ValidWitnessRow, VerdictCountRow, VerdictRow } from './coverage.repository';

/** Row → view mappers of the coverage context. */

export function toChallenge(r: ChallengeRow): Challenge {
  return { id: r.id, eventId: r.eventId, hotspot: r.hotspot, nonce: r.nonce, issuedAt: new Date(r.issuedAt).toISOString(), expiresAt: new Date(r.expiresAt).toISOString() };
}

export function validWitness(r: ValidWitnessRow): ValidWitness {
  return { ...r, at: new Date(r.at).toISOString() };
}

export function witnessAnswer(row: { id: string; verdict: WitnessVerdict; detail: string; at: Date }, draft: { challengeId: string; eventId: string | null; hotspot: string | null }): WitnessAnswer {
  return { witnessId: row.id, verdict: row.verdict, detail: row.detail, challengeId: draft.challengeId, eventId: draft.eventId, hotspot: draft.hotspot, at: new Date(row.at).toISOString() };
}

export function fanVerdictView(r: FanVerdictRow) {
  return { ...r, at: new Date(r.at).toISOString() };
}

export function verdictView(r: VerdictRow) {
  return { ...r, signedAt: r.signedAt ? new Date(r.signedAt).toISOString() : null, at: new Date(r.at).toISOString() };
}

/** A computed score without the parts only the store keeps. */
export function publicScore(r: ScoreRow): HotspotScore {
  const { uptimePm: _u, qualityPm: _q, windowFrom: _f, windowTo: _t, ...score } = r;
  return score;
}

export function storedScore(r: StoredScoreRow): HotspotScore {
  return {
    eventId: r.eventId,
    hotspot: r.hotspot,
    owner: r.owner,
    uniqueWitnesses: r.uniqueWitnesses,
    uptime: r.uptimePm / 1000,
    quality: r.qualityPm / 1000,
    score: Number(r.score),
    claimedClients: r.claimedClients,
    final: r.final,
  };
}

/** One hotspot on the staff dashboard: its device view with the event's witness counts and stored score. */
export function hotspotView(d: DeviceView, counts: VerdictCountRow[], unique: number, score: number | null): HotspotView {
  const mine = counts.filter((c) => c.hotspot === d.address);
  const last = mine.filter((c) => c.verdict === 'valid').map((c) => new Date(c.last).getTime());
  return {
    address: d.address,
    owner: d.owner,
    sectionCode: d.sectionCode,
    status: d.status,
    denylistedReason: d.denylistedReason,
    lastSeenAt: d.lastSeenAt,
    validWitnesses: mine.filter((c) => c.verdict === 'valid').reduce((n, c) => n + c.n, 0),
    refusedWitnesses: mine.filter((c) => c.verdict !== 'valid').reduce((n, c) => n + c.n, 0),
    uniqueWitnesses: unique,
    lastValidWitnessAt: last.length ? new Date(Math.max(...last)).toISOString() : null,
    score,
  };
}

/** Verdict counts by reason (every reason present, zero when none), and the refusals that happened with their meaning. */
export function verdictsByReason(counts: VerdictCountRow[]): { verdicts: Record<WitnessVerdict, number>; refusals: { reason: WitnessVerdict; count: number; meaning: string }[] } {
  const byReason = Object.fromEntries(WITNESS_VERDICTS.map((v) => [v, 0])) as Record<WitnessVerdict, number>;
  for (const c of counts) byReason[c.verdict] += c.n;
  return {
    verdicts: byReason,
    refusals: WITNESS_VERDICTS.filter((v) => v !== 'valid' && byReason[v] > 0).map((v) => ({ reason: v, count: byReason[v], meaning: VERDICT_MEANING[v] })),
  };
}
