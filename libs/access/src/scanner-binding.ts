import { Injectable } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { DeviceDirectory } from '@fanmesh/directory';
import { AccessError } from './access.error';

/** A device's venue is looked up this rarely per device; a revocation or denylisting applies within it. */
const DEVICE_TTL_MS = 10_000;

/**
 * Who may scan at a venue's gates or take its offline snapshot: its stewards and staff (and admins),
 * or a device bound to it, either by a `device@<venueId>` role in its token or by being paired there
 * (and neither revoked nor denylisted) in the devices registry. A device of venue A gets nothing of venue B.
 */
@Injectable()
export class ScannerBinding {
  private readonly devices = new Map<string, { venueId: string | null; at: number }>();

  constructor(private readonly directory: DeviceDirectory) {}

  async require(principal: Principal, venueId: string): Promise<void> {
    if (principal.kind !== 'device') return requireVenueRole(principal, ['steward', 'staff'], venueId);
    if (principal.roles.includes(`device@${venueId}`)) return;
    if ((await this.pairedVenue(principal.subject)) === venueId) return;
    throw new AccessError('wrong_venue', `This device is not bound to venue ${venueId}.`, { venueId });
  }

  private async pairedVenue(address: string): Promise<string | null> {
    const key = address.toLowerCase();
    const hit = this.devices.get(key);
    if (hit && Date.now() - hit.at < DEVICE_TTL_MS) return hit.venueId;
    const d = /^0x[0-9a-f]{40}$/.test(key) ? await this.directory.device(key) : undefined;
    const venueId = d && !d.revokedAt && !d.denylisted ? d.venueId : null;
    if (this.devices.size >= 10_000) this.devices.clear(); // crude bound: a venue has a few hundred devices
    this.devices.set(key, { venueId, at: Date.now() });
    return venueId;
  }
}
