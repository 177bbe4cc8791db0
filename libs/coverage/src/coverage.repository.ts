import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row, rows } from '@fanmesh/db';
import type { HotspotScore } from '@fanmesh/directory';
import type { WitnessVerdict } from './coverage.error';

export interface CoveragePolicy {
  intervalS: number;
  fanWitnessesPerInterval: number;
  hotspotWitnessesPerInterval: number;
  challengeTtlS: number;
}

export interface ChallengeRow {
  id: string;
  eventId: string;
  venueId: string;
  hotspot: string;
  nonce: string;
  issuedAt: Date;
  expiresAt: Date;
  claimedBy: string | null;
  /** The network the hotspot asked from (network.ts): its witnesses must come from it. Null on older rows. */
  network: string | null;
}

/** A verdict to record; `challengeId` is what the fan sent, known or not. */
export interface VerdictDraft {
  challengeId: string;
  eventId: string | null;
  venueId: string | null;
  hotspot: string | null;
  owner: string | null;
  fan: string;
  verdict: WitnessVerdict;
  detail: string;
  hotspotSection: string | null;
  fanSection: string | null;
  signedAt: Date | null;
}

export interface RecordedVerdict {
  id: string;
  verdict: WitnessVerdict;
  detail: string;
  at: Date;
}

export interface ValidWitnessRow {
  witnessId: string;
  eventId: string;
  venueId: string;
  hotspot: string;
  owner: string;
  fan: string;
  at: Date;
}

export interface UniqueWitnessRow {
  hotspot: string;
  unique: number;
  owner: string;
}

export interface VerdictCountRow {
  hotspot: string;
  verdict: WitnessVerdict;
  n: number;
  last: Date;
}

export interface VerdictRow {
  id: string;
  challengeId: string;
  hotspot: string | null;
  owner: string | null;
  fan: string;
  verdict: WitnessVerdict;
  detail: string;
  hotspotSection: string | null;
  fanSection: string | null;
  signedAt: Date | null;
  at: Date;
}

export interface FanVerdictRow {
  id: string;
  hotspot: string | null;
  verdict: WitnessVerdict;
  detail: string;
  at: Date;
}

/** A score as computed, with the parts stored beside it. */
export type ScoreRow = HotspotScore & { uptimePm: number; qualityPm: number; windowFrom: Date; windowTo: Date };

export interface StoredScoreRow {
  eventId: string;
  hotspot: string;
  owner: string;
  uniqueWitnesses: number;
  uptimePm: number;
  qualityPm: number;
  claimedClients: number | null;
  score: string;
  final: boolean;
}

const CHALLENGE_COLUMNS = `id, event_id AS "eventId", venue_id AS "venueId", hotspot, nonce, issued_at AS "issuedAt", expires_at AS "expiresAt", claimed_by AS "claimedBy", network`;

/** Every query on challenges, witness verdicts, policies and scores. */
@Injectable()
export class CoverageRepository {
  constructor(private readonly ds: DataSource) {}

  async policy(eventId: string, tx: Queryable = this.ds): Promise<CoveragePolicy | undefined> {
    return row<CoveragePolicy>(
      tx,
      `SELECT interval_s AS "intervalS", fan_witnesses AS "fanWitnessesPerInterval", hotspot_witnesses AS "hotspotWitnessesPerInterval", challenge_ttl_s AS "challengeTtlS"
       FROM coverage_policies WHERE event_id = $1`,
      [eventId],
    );
  }

  async setPolicy(eventId: string, p: CoveragePolicy, by: string): Promise<void> {
    await exec(
      this.ds,
      `INSERT INTO coverage_policies (event_id, interval_s, fan_witnesses, hotspot_witnesses, challenge_ttl_s, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO UPDATE SET interval_s = $2, fan_witnesses = $3, hotspot_witnesses = $4, challenge_ttl_s = $5, updated_by = $6, updated_at = now()`,
      [eventId, p.intervalS, p.fanWitnessesPerInterval, p.hotspotWitnessesPerInterval, p.challengeTtlS, by],
    );
  }

  /** Unanswered challenges of a hotspot that can still be answered. */
  async outstanding(tx: EntityManager, hotspot: string): Promise<number> {
    const found = await row<{ n: number }>(tx, `SELECT count(*)::int AS n FROM coverage_challenges WHERE hotspot = $1 AND claimed_by IS NULL AND expires_at > now()`, [hotspot]);
    return found?.n ?? 0;
  }

  async insertChallenges(tx: EntityManager, challenges: ChallengeRow[]): Promise<void> {
    await exec(
      tx,
      `INSERT INTO coverage_challenges (id, event_id, venue_id, hotspot, nonce, issued_at, expires_at, network)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[])`,
      [
        challenges.map((r) => r.id),
        challenges.map((r) => r.eventId),
        challenges.map((r) => r.venueId),
        challenges.map((r) => r.hotspot),
        challenges.map((r) => r.nonce),
        challenges.map((r) => r.issuedAt),
        challenges.map((r) => r.expiresAt),
        challenges.map((r) => r.network),
      ],
    );
  }

  async challenge(id: string): Promise<ChallengeRow | undefined> {
    return row<ChallengeRow>(this.ds, `SELECT ${CHALLENGE_COLUMNS} FROM coverage_challenges WHERE id = $1`, [id]);
  }

  /** Records a verdict reached before the challenge is claimed (unknown challenge, bad signatures). */
  async record(v: VerdictDraft, tx: Queryable = this.ds): Promise<RecordedVerdict> {
    const [recorded] = await exec<RecordedVerdict>(
      tx,
      `INSERT INTO witness_verdicts (challenge_id, event_id, venue_id, hotspot, owner, fan, verdict, detail, hotspot_section, fan_section, signed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, verdict, detail, at`,
      [v.challengeId, v.eventId, v.venueId, v.hotspot, v.owner, v.fan, v.verdict, v.detail, v.hotspotSection, v.fanSection, v.signedAt],
    );
    return recorded;
  }

  /**
   * One transaction per witness that passed both signatures: the challenge is claimed (a second
   * use of the same response is `replayed`); a draft that is still valid then meets the limits,
   * counted under advisory locks on the fan and the hotspot (taken in that order, so no deadlock),
   * so K and N hold across every API instance; the verdict row commits with the claim. The common
   * path is two statements: claim + locks, then an insert that only lands under both limits.
   * `onValid` runs in that transaction once the valid row is written (its domain event commits with it).
   * `reach`: the sections a phone near this hotspot can have been in within `reach.seconds` (the
   * hotspot's and its neighbours); a valid witness of the same fan elsewhere in that time refuses
   * this one as impossible movement, under the fan's lock so concurrent submissions cannot both pass.
   */
  async judge(
    draft: VerdictDraft,
    policy: CoveragePolicy,
    limitDetail: { fan: string; hotspot: string; replayed: string; movement: (section: string, secondsAgo: number) => string },
    reach: { sections: string[]; seconds: number },
    onValid: (tx: EntityManager, valid: RecordedVerdict) => Promise<void>,
  ): Promise<RecordedVerdict> {
    return this.ds.transaction(async (m) => {
      const claim = `WITH c AS (UPDATE coverage_challenges SET claimed_by = $2, claimed_at = now() WHERE id = $1 AND claimed_by IS NULL RETURNING id)`;
      if (draft.verdict !== 'valid') {
        const claimedRow = await row<{ claimed: number }>(m, `${claim} SELECT count(*)::int AS claimed FROM c`, [draft.challengeId, draft.fan]);
        return this.record(claimedRow?.claimed ? draft : { ...draft, verdict: 'replayed', detail: limitDetail.replayed }, m);
      }
      const locked = await row<{ claimed: number }>(
        m,
        `${claim} SELECT (SELECT count(*)::int FROM c) AS claimed,
           pg_advisory_xact_lock(hashtextextended('coverage:fan:' || $3 || ':' || $2, 0)) AS fan_lock,
           pg_advisory_xact_lock(hashtextextended('coverage:hotspot:' || $3 || ':' || $4, 0)) AS hotspot_lock`,
        [draft.challengeId, draft.fan, draft.eventId, draft.hotspot],
      );
      if (!locked?.claimed) return this.record({ ...draft, verdict: 'replayed', detail: limitDetail.replayed }, m);
      // A new statement, so its snapshot sees every witness committed before the locks were ours.
      const elsewhere = await row<{ section: string; ago: number }>(
        m,
        `SELECT hotspot_section AS section, extract(epoch FROM clock_timestamp() - at)::float8 AS ago FROM witness_verdicts
         WHERE event_id = $1 AND fan = $2 AND verdict = 'valid' AND at > clock_timestamp() - make_interval(secs => $3) AND hotspot_section <> ALL($4::text[])
         ORDER BY at DESC LIMIT 1`,
        [draft.eventId, draft.fan, reach.seconds, reach.sections],
      );
      if (elsewhere) return this.record({ ...draft, verdict: 'impossible_movement', detail: limitDetail.movement(elsewhere.section, Math.round(elsewhere.ago)) }, m);
      const window = `event_id = $2 AND verdict = 'valid' AND at > clock_timestamp() - make_interval(secs => $11)`;
      const [valid] = await exec<RecordedVerdict>(
        m,
        `INSERT INTO witness_verdicts (challenge_id, event_id, venue_id, hotspot, owner, fan, verdict, detail, hotspot_section, fan_section, signed_at, at)
         SELECT $1, $2, $3, $4, $5, $6, 'valid', $7, $8, $9, $10, clock_timestamp()
         WHERE (SELECT count(*) FROM witness_verdicts WHERE ${window} AND fan = $6) < $12
           AND (SELECT count(*) FROM witness_verdicts WHERE ${window} AND hotspot = $4) < $13
         RETURNING id, verdict, detail, at`,
        [draft.challengeId, draft.eventId, draft.venueId, draft.hotspot, draft.owner, draft.fan, draft.detail, draft.hotspotSection, draft.fanSection, draft.signedAt, policy.intervalS, policy.fanWitnessesPerInterval, policy.hotspotWitnessesPerInterval],
      );
      if (valid) {
        await onValid(m, valid);
        return valid;
      }
      const counts = await row<{ n: number }>(
        m,
        `SELECT count(*)::int AS n FROM witness_verdicts WHERE event_id = $1 AND fan = $2 AND verdict = 'valid' AND at > clock_timestamp() - make_interval(secs => $3)`,
        [draft.eventId, draft.fan, policy.intervalS],
      );
      return (counts?.n ?? 0) >= policy.fanWitnessesPerInterval
        ? this.record({ ...draft, verdict: 'fan_limit', detail: limitDetail.fan }, m)
        : this.record({ ...draft, verdict: 'hotspot_limit', detail: limitDetail.hotspot }, m);
    });
  }

  async validWitnesses(eventId: string): Promise<ValidWitnessRow[]> {
    return rows<ValidWitnessRow>(
      this.ds,
      `SELECT id AS "witnessId", event_id AS "eventId", venue_id AS "venueId", hotspot, owner, fan, at
       FROM witness_verdicts WHERE event_id = $1 AND verdict = 'valid' ORDER BY at, id`,
      [eventId],
    );
  }

  /** Distinct fans with a valid witness, per hotspot. */
  async uniqueWitnesses(eventId: string): Promise<Map<string, { unique: number; owner: string }>> {
    const found = await rows<UniqueWitnessRow>(
      this.ds,
      `SELECT hotspot, count(DISTINCT fan)::int AS unique, (array_agg(owner ORDER BY at DESC))[1] AS owner
       FROM witness_verdicts WHERE event_id = $1 AND verdict = 'valid' GROUP BY hotspot`,
      [eventId],
    );
    return new Map(found.map((r) => [r.hotspot, { unique: r.unique, owner: r.owner }]));
  }

  /** The distinct fans with a valid witness, per hotspot, with its latest owner: what the score counts in people (coverage-score.ts). */
  async witnessingFans(eventId: string): Promise<Map<string, { fans: string[]; owner: string }>> {
    const found = await rows<{ hotspot: string; fans: string[]; owner: string }>(
      this.ds,
      `SELECT hotspot, array_agg(DISTINCT fan) AS fans, (array_agg(owner ORDER BY at DESC))[1] AS owner
       FROM witness_verdicts WHERE event_id = $1 AND verdict = 'valid' GROUP BY hotspot`,
      [eventId],
    );
    return new Map(found.map((r) => [r.hotspot, { fans: r.fans, owner: r.owner }]));
  }

  /** Verdict counts per hotspot and reason (one hotspot, or all of the event). */
  async verdictCounts(eventId: string, hotspot?: string): Promise<VerdictCountRow[]> {
    return rows<VerdictCountRow>(
      this.ds,
      `SELECT hotspot, verdict, count(*)::int AS n, max(at) AS last FROM witness_verdicts
       WHERE event_id = $1 AND hotspot IS NOT NULL AND ($2::text IS NULL OR hotspot = $2) GROUP BY hotspot, verdict`,
      [eventId, hotspot ?? null],
    );
  }

  /** The audit trail: verdicts of an event, newest first, optionally one hotspot or one verdict. */
  async verdicts(eventId: string, filter: { hotspot?: string; verdict?: string; limit: number }): Promise<VerdictRow[]> {
    return rows<VerdictRow>(
      this.ds,
      `SELECT id, challenge_id AS "challengeId", hotspot, owner, fan, verdict, detail, hotspot_section AS "hotspotSection", fan_section AS "fanSection", signed_at AS "signedAt", at
       FROM witness_verdicts WHERE event_id = $1 AND ($2::text IS NULL OR hotspot = $2) AND ($3::text IS NULL OR verdict = $3) ORDER BY at DESC, id LIMIT $4`,
      [eventId, filter.hotspot ?? null, filter.verdict ?? null, filter.limit],
    );
  }

  /** A fan's own verdicts at an event, newest first. */
  async fanVerdicts(eventId: string, fan: string): Promise<FanVerdictRow[]> {
    return rows<FanVerdictRow>(this.ds, `SELECT id, hotspot, verdict, detail, at FROM witness_verdicts WHERE event_id = $1 AND fan = $2 ORDER BY at DESC LIMIT 500`, [eventId, fan]);
  }

  /** Writes an epoch's scores; recomputing replaces the rows with the same values for a closed epoch. */
  async upsertScores(scores: ScoreRow[]): Promise<void> {
    if (!scores.length) return;
    await exec(
      this.ds,
      `INSERT INTO coverage_scores (event_id, hotspot, owner, unique_witnesses, uptime_pm, quality_pm, claimed_clients, score, window_from, window_to, final)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::bigint[], $9::timestamptz[], $10::timestamptz[], $11::boolean[])
       ON CONFLICT (event_id, hotspot) DO UPDATE SET owner = EXCLUDED.owner, unique_witnesses = EXCLUDED.unique_witnesses, uptime_pm = EXCLUDED.uptime_pm,
         quality_pm = EXCLUDED.quality_pm, claimed_clients = EXCLUDED.claimed_clients, score = EXCLUDED.score, window_from = EXCLUDED.window_from,
         window_to = EXCLUDED.window_to, final = EXCLUDED.final, computed_at = now()`,
      [
        scores.map((r) => r.eventId),
        scores.map((r) => r.hotspot),
        scores.map((r) => r.owner),
        scores.map((r) => r.uniqueWitnesses),
        scores.map((r) => r.uptimePm),
        scores.map((r) => r.qualityPm),
        scores.map((r) => r.claimedClients),
        scores.map((r) => r.score),
        scores.map((r) => r.windowFrom),
        scores.map((r) => r.windowTo),
        scores.map((r) => r.final),
      ],
    );
  }

  async scores(eventId: string): Promise<StoredScoreRow[]> {
    return rows<StoredScoreRow>(
      this.ds,
      `SELECT event_id AS "eventId", hotspot, owner, unique_witnesses AS "uniqueWitnesses", uptime_pm AS "uptimePm", quality_pm AS "qualityPm",
              claimed_clients AS "claimedClients", score, final
       FROM coverage_scores WHERE event_id = $1 ORDER BY score DESC, hotspot`,
      [eventId],
    );
  }

  /** One hotspot's stored scores across events (latest computed first), each with its owner's total score at that event. */
  async hotspotScores(hotspot: string, limit: number): Promise<(StoredScoreRow & { ownerScore: string })[]> {
    return rows<StoredScoreRow & { ownerScore: string }>(
      this.ds,
      `SELECT s.event_id AS "eventId", s.hotspot, s.owner, s.unique_witnesses AS "uniqueWitnesses", s.uptime_pm AS "uptimePm", s.quality_pm AS "qualityPm",
              s.claimed_clients AS "claimedClients", s.score, s.final,
              (SELECT sum(o.score) FROM coverage_scores o WHERE o.event_id = s.event_id AND o.owner = s.owner)::text AS "ownerScore"
       FROM coverage_scores s WHERE s.hotspot = $1 ORDER BY s.computed_at DESC, s.event_id LIMIT $2`,
      [hotspot, limit],
    );
  }
}
