import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { exec, row, rows } from '@fanmesh/db';
import { ErasureCounts, PersonalDataErase, PersonalDataExport, PersonalDataSection } from '@fanmesh/directory';
import { Job } from '@fanmesh/events';

/** Rows deleted per statement by the retention job, so a large backlog never holds a long lock. */
const RETENTION_BATCH = 10_000;

/**
 * The access context's part of a fan's personal data (tickets, the buyer's contact, admissions, the
 * scan log, merch) and the scan log's retention. The contact is the one field erased: tickets,
 * admissions and scan verdicts are the ledger's causes and fraud evidence, and keep only the address.
 */
@Injectable()
export class AccessPersonalDataRepository {
  private readonly logger = new Logger(AccessPersonalDataRepository.name);

  constructor(
    private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @PersonalDataExport('access')
  async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> {
    const tickets = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, event_id AS "eventId", section_code AS section, seat, tier, status, version, created_at AS "createdAt", updated_at AS "updatedAt"
       FROM tickets WHERE holder = $1 ORDER BY created_at, id`,
      [address],
    );
    // The contact a ticketing system gave for an order is the fan's once they claimed its link (a
    // ticket passed on afterwards still carries the buyer's contact, which is the buyer's, not the new holder's).
    const orders = await rows<Record<string, unknown>>(
      tx,
      `SELECT DISTINCT o.event_id AS "eventId", o.order_ref AS "orderRef", o.ticket_id AS "ticketId", o.contact, o.created_at AS "importedAt"
       FROM ticket_orders o JOIN claim_links l ON l.ticket_id = o.ticket_id AND l.kind = 'claim' AND l.claimed_by = $1
       ORDER BY "importedAt", "orderRef"`,
      [address],
    );
    const claimLinks = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, ticket_id AS "ticketId", kind, CASE WHEN claimed_by = $1 THEN 'claimed' ELSE 'created' END AS role,
              created_at AS "createdAt", expires_at AS "expiresAt", claimed_at AS "claimedAt", revoked_at AS "revokedAt"
       FROM claim_links WHERE claimed_by = $1 OR created_by = $1 ORDER BY created_at, id`,
      [address],
    );
    const admissions = await rows<Record<string, unknown>>(
      tx,
      `SELECT id, ticket_id AS "ticketId", event_id AS "eventId", gate_id AS "gateId", section_code AS section, mode, admitted_at AS "admittedAt"
       FROM admissions WHERE holder = $1 ORDER BY admitted_at, id`,
      [address],
    );
    // Every verdict on the fan's tickets (found through their events, which the scan log is indexed by),
    // and the scans this account made as a steward.
    const scanLog = await rows<Record<string, unknown>>(
      tx,
      `SELECT s.id::text AS id, s.event_id AS "eventId", s.gate_id AS "gateId", s.ticket_id AS "ticketId", s.scanner, s.decision, s.reason, s.at
       FROM scan_log s JOIN tickets t ON t.id = s.ticket_id
       WHERE t.holder = $1 AND s.event_id IN (SELECT event_id FROM tickets WHERE holder = $1)
       ORDER BY s.at, s.id`,
      [address],
    );
    const scansMade = await rows<Record<string, unknown>>(
      tx,
      `SELECT id::text AS id, event_id AS "eventId", gate_id AS "gateId", ticket_id AS "ticketId", decision, reason, at FROM scan_log WHERE scanner = $1 ORDER BY at, id`,
      [address],
    );
    const merchOwned = await rows<Record<string, unknown>>(tx, `SELECT serial, sku, claimed_at AS "claimedAt" FROM merch_items WHERE owner = $1 ORDER BY claimed_at, serial`, [
      address,
    ]);
    const merchVerifications = await rows<Record<string, unknown>>(
      tx,
      `SELECT id::text AS id, serial, place, verdict, at FROM merch_verifications WHERE verifier = $1 ORDER BY at, id`,
      [address],
    );
    return { tickets, orders, claimLinks, admissions, scanLog, scansMade, merchOwned, merchVerifications };
  }

  /** Blanks the contact of every order whose claim link the fan claimed; the order ref and ticket stay (the venue's reconciliation). */
  @PersonalDataErase('access')
  async eraseFor(address: string, tx: EntityManager): Promise<ErasureCounts> {
    const blanked = await exec<{ ticketId: string }>(
      tx,
      `UPDATE ticket_orders o SET contact = '' FROM claim_links l
       WHERE l.ticket_id = o.ticket_id AND l.kind = 'claim' AND l.claimed_by = $1 AND o.contact <> ''
       RETURNING o.ticket_id AS "ticketId"`,
      [address],
    );
    return { contactsBlanked: blanked.length };
  }

  /** Scan verdicts older than RETENTION_SCAN_LOG_DAYS are deleted (the admissions themselves are kept: they are the ledger's causes). */
  @Job('access.scan-log-retention', { everyMs: 3_600_000, leaseMs: 600_000 })
  async pruneScanLog(): Promise<{ deleted: number }> {
    let deleted = 0;
    for (;;) {
      const gone = await row<{ n: number }>(
        this.ds,
        `WITH d AS (DELETE FROM scan_log WHERE id IN (SELECT id FROM scan_log WHERE at < now() - make_interval(days => $1) LIMIT $2) RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [this.config.retention.scanLogDays, RETENTION_BATCH],
      );
      deleted += gone?.n ?? 0;
      if ((gone?.n ?? 0) < RETENTION_BATCH) break;
    }
    if (deleted) this.logger.log({ deleted, days: this.config.retention.scanLogDays }, 'scan log past its retention deleted');
    return { deleted };
  }
}
