import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rows } from '@fanmesh/db';
import { PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';

/**
 * The coverage context's part of a fan's export: every witness they signed (with its verdict and the
 * sections compared) and the scores of the hotspots they own. Nothing is erased: a valid witness is
 * the cause of a ledger entry, and the verdicts are the audit of why it paid or not.
 */
@Injectable()
export class CoveragePersonalDataRepository {
  @PersonalDataExport('coverage')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const witnesses = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, challenge_id AS "challengeId", event_id AS "eventId", hotspot, verdict, detail, hotspot_section AS "hotspotSection",
              fan_section AS "fanSection", signed_at AS "signedAt", at
       FROM witness_verdicts WHERE fan = $1 ORDER BY at, id`,
      [address],
    );
    const hotspotScores = await rows<Record<string, unknown>>(
      tx,
      `SELECT event_id AS "eventId", hotspot, unique_witnesses AS "uniqueWitnesses", uptime_pm AS "uptimePm", quality_pm AS "qualityPm",
              score::text AS score, final, computed_at AS "computedAt"
       FROM coverage_scores WHERE owner = $1 ORDER BY computed_at, hotspot`,
      [address],
    );
    return { witnesses, hotspotScores };
  }
}
