import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MomentKind } from './moment.types';

export type MomentStatus = 'candidate' | 'confirmed' | 'rejected';

export interface MomentRow {
  id: string;
  eventId: string;
  venueId: string;
  kind: MomentKind;
  team: 'home' | 'away' | null;
  at: Date;
  status: MomentStatus;
  source: 'sensors' | 'feed';
  signal: Record<string, unknown> | null;
  confirmedBy: 'staff' | 'feed' | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  rejectReason: string | null;
  attendance: number | null;
  evidenceRoot: string | null;
  attestBatch: string | null;
  createdAt: Date;
}

const COLUMNS = `m.id, m.event_id AS "eventId", m.venue_id AS "venueId", m.kind, m.team, m.at, m.status, m.source, m.signal,
  m.confirmed_by AS "confirmedBy", m.decided_by AS "decidedBy", m.decided_at AS "decidedAt", m.reject_reason AS "rejectReason",
  m.attendance, m.evidence_root AS "evidenceRoot", m.attest_batch AS "attestBatch", m.created_at AS "createdAt"`;

@Injectable()
export class MomentRepository {
  constructor(private readonly ds: DataSource) {}

  async get(id: string, tx: EntityManager = this.ds.manager): Promise<MomentRow | undefined> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM moments m WHERE m.id = $1`, [id]);
    return row;
  }

  async list(eventId: string, statuses: MomentStatus[]): Promise<MomentRow[]> {
    return this.ds.query(`SELECT ${COLUMNS} FROM moments m WHERE m.event_id = $1 AND m.status = ANY($2) ORDER BY m.at, m.id LIMIT 1000`, [eventId, statuses]);
  }
}
