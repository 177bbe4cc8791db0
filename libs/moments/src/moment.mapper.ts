import type { ConfirmedMoment } from '@fanmesh/directory';
import type { MomentView } from '@fanmesh/protocol';
import type { MomentRow } from './moment.repository';

/** A moment row as the `moments.confirmed` domain event (and MomentDirectory) carries it. */
export function toConfirmed(r: MomentRow): ConfirmedMoment {
  return {
    momentId: r.id,
    eventId: r.eventId,
    venueId: r.venueId,
    kind: r.kind,
    team: r.team,
    at: new Date(r.at).toISOString(),
    attendance: r.attendance ?? 0,
    confirmedBy: r.confirmedBy ?? 'staff',
  };
}

/** A moment as the API shows it; staff of the venue also see the sensor signal and who decided. */
export function view(m: MomentRow, staff: boolean): MomentView {
  return {
    id: m.id,
    eventId: m.eventId,
    venueId: m.venueId,
    kind: m.kind,
    team: m.team,
    at: new Date(m.at).toISOString(),
    status: m.status,
    source: m.source,
    confirmedBy: m.confirmedBy,
    attendance: m.attendance,
    evidenceRoot: m.evidenceRoot,
    decidedAt: m.decidedAt ? new Date(m.decidedAt).toISOString() : null,
    // A feed-created moment has no sensor signal: null, as it always was on the wire.
    ...(staff ? { signal: m.signal as MomentView['signal'], decidedBy: m.decidedBy, rejectReason: m.rejectReason } : {}),
  };
}
