import type { AppealView, DeviceStatus, DeviceTransferView, DeviceView } from '@fanmesh/protocol';
import type { TransferRow } from './device-chain.repository';
import type { AppealRow, DeviceRow } from './device.repository';

/** A device heard from within this long is online (or degraded, when it says so). */
export const ONLINE_MS = 90_000;

export function deviceStatus(d: DeviceRow, now = Date.now()): DeviceStatus {
  if (d.revokedAt) return 'revoked';
  if (d.denylisted) return 'denylisted';
  if (!d.lastSeenAt || now - new Date(d.lastSeenAt).getTime() > ONLINE_MS) return 'offline';
  return d.lastHeartbeat?.degraded === true ? 'degraded' : 'online';
}

export function deviceView(d: DeviceRow): DeviceView {
  return {
    address: d.address,
    kind: d.kind,
    owner: d.owner,
    venueId: d.venueId,
    sectionCode: d.sectionCode,
    status: deviceStatus(d),
    lastSeq: Number(d.lastSeq),
    lastSeenAt: d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : null,
    pairedAt: new Date(d.pairedAt).toISOString(),
    revokedReason: d.revokedReason,
    denylistedReason: d.denylisted,
  };
}

export function appealView(a: AppealRow): AppealView {
  return {
    id: a.id,
    device: a.device,
    venueId: a.venueId,
    owner: a.owner,
    denylistReason: a.denylistReason,
    message: a.message,
    status: a.status,
    filedAt: new Date(a.filedAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt ? new Date(a.decidedAt).toISOString() : null,
    decisionNote: a.decisionNote,
  };
}

export function transferView(t: TransferRow): DeviceTransferView {
  return {
    id: t.id,
    device: t.device,
    from: t.from,
    to: t.to,
    source: t.source,
    status: t.status,
    nonce: t.nonce === null ? null : Number(t.nonce),
    blockNumber: t.blockNumber === null ? null : Number(t.blockNumber),
    lastError: t.lastError,
    at: new Date(t.at).toISOString(),
  };
}
