import { Injectable } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { DropError } from './drops.error';
import { DropRepository, DropRow } from './drop.repository';

/** Who may see or act on a drop: its sponsor, the venue's staff, an admin. Shared by every drops use case. */
@Injectable()
export class DropAccess {
  constructor(private readonly repo: DropRepository) {}

  /** The drop, if it is this sponsor's; another sponsor's drop does not exist as far as they can tell. */
  async own(id: string, sponsor: Principal): Promise<DropRow> {
    const drop = await this.repo.find(id);
    if (!drop || sponsor.kind !== 'sponsor' || drop.sponsorId !== sponsor.subject) throw new DropError('drop_not_found', `No drop ${id} of yours.`);
    return drop;
  }

  async forStaff(id: string, staff: Principal): Promise<DropRow> {
    const drop = await this.repo.find(id);
    if (!drop) throw new DropError('drop_not_found', `No drop ${id}.`);
    requireVenueRole(staff, ['staff'], drop.venueId);
    return drop;
  }

  /** Its sponsor, the venue's staff, or an admin. */
  async viewable(id: string, who: Principal): Promise<DropRow> {
    if (who.kind === 'sponsor') return this.own(id, who);
    return this.forStaff(id, who);
  }
}
