import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exec, Queryable, row } from '@fanmesh/db';
import type { ClaimLinkKind } from '@fanmesh/protocol';

export interface NewClaimLink {
  id: string;
  tokenHash: string;
  ticketId: string;
  kind: ClaimLinkKind;
  ticketVersion: number;
  createdBy: string;
  expiresAt: Date;
}

export interface ClaimLinkRow {
  id: string;
  ticketId: string;
  kind: ClaimLinkKind;
  ticketVersion: number;
  createdBy: string;
  expiresAt: Date;
  claimedBy: string | null;
  claimedAt: Date | null;
  revokedAt: Date | null;
  /** By the database's clock, so every instance agrees on what has expired. */
  expired: boolean;
}

const COLUMNS = `id, ticket_id AS "ticketId", kind, ticket_version AS "ticketVersion", created_by AS "createdBy", expires_at AS "expiresAt",
  claimed_by AS "claimedBy", claimed_at AS "claimedAt", revoked_at AS "revokedAt", expires_at <= now() AS expired`;

/** Claim and transfer links: found by the hash of their token, used once under a row lock. */
@Injectable()
export class ClaimLinkRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  async insertMany(db: Queryable, links: NewClaimLink[]): Promise<void> {
    if (!links.length) return;
    await exec(
      db,
      `INSERT INTO claim_links (id, token_hash, ticket_id, kind, ticket_version, created_by, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::timestamptz[])`,
      [
        links.map((l) => l.id),
        links.map((l) => l.tokenHash),
        links.map((l) => l.ticketId),
        links.map((l) => l.kind),
        links.map((l) => l.ticketVersion),
        links.map((l) => l.createdBy),
        links.map((l) => l.expiresAt.toISOString()),
      ],
    );
  }

  /** The link with this token hash; `lock` holds its row until the transaction ends (the one claim on it). */
  byTokenHash(tokenHash: string, db: Queryable = this.ds, lock = false): Promise<ClaimLinkRow | undefined> {
    return row<ClaimLinkRow>(db, `SELECT ${COLUMNS} FROM claim_links WHERE token_hash = $1${lock ? ' FOR UPDATE' : ''}`, [tokenHash]);
  }

  async markClaimed(tx: Queryable, id: string, by: string): Promise<void> {
    await exec(tx, `UPDATE claim_links SET claimed_by = $2, claimed_at = now() WHERE id = $1`, [id, by]);
  }

  /** Ends the ticket's other unused links (a newer link, or the ticket moved): one live way to hand a ticket on at a time. */
  async revokeOpen(db: Queryable, ticketId: string, kind: ClaimLinkKind | 'any', exceptId?: string): Promise<void> {
    await exec(
      db,
      `UPDATE claim_links SET revoked_at = now()
       WHERE ticket_id = $1 AND claimed_at IS NULL AND revoked_at IS NULL AND ($2 = 'any' OR kind = $2) AND ($3::uuid IS NULL OR id <> $3)`,
      [ticketId, kind, exceptId ?? null],
    );
  }

  /** Who holds the ticket now (read in the caller's transaction). */
  async holderOf(db: Queryable, ticketId: string): Promise<string | undefined> {
    return (await row<{ holder: string }>(db, `SELECT holder FROM tickets WHERE id = $1`, [ticketId]))?.holder;
  }

  /** True when the ticket was admitted at a gate: there is nothing left to hand on. */
  async admitted(db: Queryable, ticketId: string): Promise<boolean> {
    return !!(await row<{ one: number }>(db, `SELECT 1 AS one FROM admissions WHERE ticket_id = $1`, [ticketId]));
  }
}
