import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { exec, row, rows } from '@fanmesh/db';
import { ErasureCounts, PersonalDataErase, PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';
import { Job } from '@fanmesh/events';

/** Rows deleted per statement by the retention job, so a large backlog never holds a long lock. */
const RETENTION_BATCH = 10_000;

/**
 * The devices context's part of a fan's personal data: the devices they own with their telemetry
 * (heartbeats), transfers, appeals and denylist entries about them; and the heartbeats' retention.
 * Erasing deletes the heartbeats and the last one kept on the device, and blanks decided appeals'
 * texts; the device, its owner and its transfers stay (DeviceRegistry on chain holds the same).
 */
@Injectable()
export class DevicePersonalDataRepository {
  private readonly logger = new Logger(DevicePersonalDataRepository.name);

  constructor(
    private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @PersonalDataExport('devices')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const devices = await rows<Record<string, unknown>>(
      tx,
      `SELECT address, kind, venue_id AS "venueId", section_code AS section, paired_at AS "pairedAt", last_seen_at AS "lastSeenAt",
              last_heartbeat AS "lastHeartbeat", revoked_at AS "revokedAt", revoked_reason AS "revokedReason"
       FROM devices WHERE owner = $1 ORDER BY paired_at, address`,
      [address],
    );
    const heartbeats = await rows<Record<string, unknown>>(
      tx,
      `SELECT h.device, h.at, h.body FROM device_heartbeats h WHERE h.device IN (SELECT address FROM devices WHERE owner = $1) ORDER BY h.device, h.at, h.id`,
      [address],
    );
    const transfers = await rows<Record<string, unknown>>(
      tx,
      `SELECT id::text AS id, device, from_owner AS "from", to_owner AS "to", source, status, tx_hash AS "txHash", at, confirmed_at AS "confirmedAt"
       FROM device_transfers WHERE from_owner = $1 OR to_owner = $1 ORDER BY at, id`,
      [address],
    );
    const appeals = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, device, venue_id AS "venueId", message, status, filed_at AS "filedAt", decided_at AS "decidedAt", decision_note AS "decisionNote"
       FROM device_appeals WHERE owner = $1 ORDER BY filed_at, id`,
      [address],
    );
    const denylist = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, subject_type AS "subjectType", subject, venue_id AS "venueId", reason, listed_at AS "listedAt", lifted_at AS "liftedAt"
       FROM denylist WHERE (subject_type = 'owner' AND subject = $1) OR (subject_type = 'device' AND subject IN (SELECT address FROM devices WHERE owner = $1))
       ORDER BY listed_at, id`,
      [address],
    );
    return { devices, heartbeats, transfers, appeals, denylist };
  }

  @PersonalDataErase('devices')
  async eraseFor(address: string, tx: EntityManager): Promise<ErasureCounts> {
    const heartbeats = await row<{ n: number }>(
      tx,
      `WITH d AS (DELETE FROM device_heartbeats WHERE device IN (SELECT address FROM devices WHERE owner = $1) RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [address],
    );
    const cleared = await exec<{ address: string }>(tx, `UPDATE devices SET last_heartbeat = NULL WHERE owner = $1 AND last_heartbeat IS NOT NULL RETURNING address`, [address]);
    // an open appeal's text is what staff still have to read; a decided one's is no longer needed
    const appeals = await exec<{ id: string }>(tx, `UPDATE device_appeals SET message = '' WHERE owner = $1 AND status <> 'open' AND message <> '' RETURNING id`, [address]);
    return { heartbeatsDeleted: heartbeats?.n ?? 0, lastHeartbeatsCleared: cleared.length, appealTextsBlanked: appeals.length };
  }

  /** Heartbeats older than RETENTION_HEARTBEAT_DAYS are deleted (each device keeps its last one, for its status). */
  @Job('devices.heartbeat-retention', { everyMs: 3_600_000, leaseMs: 600_000 })
  async pruneHeartbeats(): Promise<{ deleted: number }> {
    let deleted = 0;
    for (;;) {
      const gone = await row<{ n: number }>(
        this.ds,
        `WITH d AS (DELETE FROM device_heartbeats WHERE id IN (SELECT id FROM device_heartbeats WHERE at < now() - make_interval(days => $1) LIMIT $2) RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [this.config.retention.heartbeatDays, RETENTION_BATCH],
      );
      deleted += gone?.n ?? 0;
      if ((gone?.n ?? 0) < RETENTION_BATCH) break;
    }
    if (deleted) this.logger.log({ deleted, days: this.config.retention.heartbeatDays }, 'heartbeats past their retention deleted');
    return { deleted };
  }
}
