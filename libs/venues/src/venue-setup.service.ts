import { Injectable, Logger } from '@nestjs/common';
import { seatCount, seatMapProblem, type SeatMap, type SectionImportView } from '@fanmesh/protocol';
import type { VenueView } from './dto/venue.dto';
import type { UpdateGateDto, UpdateSectionDto, UpdateVenueDto } from './dto/venue-setup.dto';
import { planSectionImport } from './section-csv';
import { VenueError } from './venue.error';
import type { SectionRow } from './venue.model';
import { VenueRepository } from './venue.repository';
import { isKnownTimezone, VenuesService } from './venues.service';

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/**
 * The venue console's set-up edits after a venue exists: its details, a section's fields and seat
 * map, a gate's sections, and sections imported from a CSV with a preview first. Codes never change:
 * tickets, devices and gates name sections by code.
 */
@Injectable()
export class VenueSetupService {
  private readonly logger = new Logger(VenueSetupService.name);

  constructor(
    private readonly repo: VenueRepository,
    private readonly venues: VenuesService,
  ) {}

  async updateVenue(venueId: string, dto: UpdateVenueDto): Promise<VenueView> {
    await this.venues.getVenue(venueId);
    if (dto.timezone !== undefined && !isKnownTimezone(dto.timezone)) {
      throw new VenueError('bad_timezone', `${dto.timezone} is not a time zone this server knows; use an IANA name such as Europe/Lisbon.`, { timezone: dto.timezone });
    }
    await this.repo.updateVenue(venueId, dto);
    return this.venues.getVenue(venueId);
  }

  async updateSection(venueId: string, code: string, dto: UpdateSectionDto): Promise<VenueView> {
    const section = await this.requireSection(venueId, code);
    if (dto.capacity !== undefined && section.seatMap && dto.capacity !== section.capacity) {
      throw new VenueError('capacity_from_seat_map', `${code}'s capacity comes from its seat map (${section.capacity} seats): edit the seat map, or remove it first.`, {
        seats: section.capacity,
      });
    }
    if (dto.neighbours) await this.checkNeighbours(venueId, code, dto.neighbours);
    await this.repo.updateSection(venueId, code, {
      name: dto.name ?? section.name,
      stand: dto.stand ?? section.stand,
      tier: dto.tier ?? section.tier,
      capacity: dto.capacity ?? section.capacity,
      neighbours: dto.neighbours ? [...new Set(dto.neighbours)] : section.neighbours,
    });
    return this.venues.getVenue(venueId);
  }

  /** Draws a section's seat plan; its seats become the section's capacity. */
  async setSeatMap(venueId: string, code: string, map: SeatMap): Promise<VenueView> {
    await this.requireSection(venueId, code);
    const problem = seatMapProblem(map);
    if (problem) throw new VenueError('bad_seat_map', `The seat map cannot be saved: ${problem}.`);
    await this.repo.setSeatMap(venueId, code, { rows: map.rows }, seatCount(map));
    this.logger.log({ venueId, section: code, seats: seatCount(map) }, 'seat map saved');
    return this.venues.getVenue(venueId);
  }

  /** Removes the plan; the capacity stays what the plan last counted and can be edited again. */
  async removeSeatMap(venueId: string, code: string): Promise<VenueView> {
    await this.requireSection(venueId, code);
    await this.repo.setSeatMap(venueId, code, null, null);
    return this.venues.getVenue(venueId);
  }

  async updateGate(venueId: string, code: string, dto: UpdateGateDto): Promise<VenueView> {
    await this.venues.getVenue(venueId);
    const gate = await this.repo.findGateByCode(venueId, code);
    if (!gate) throw new VenueError('gate_not_found', `This venue has no gate ${code}.`, { gate: code });
    if (dto.sectionCodes) {
      const known = new Set((await this.repo.sections(venueId)).map((s) => s.code));
      const unknown = dto.sectionCodes.filter((c) => !known.has(c));
      if (unknown.length) throw new VenueError('unknown_section', `Gate ${code} cannot serve sections this venue does not have: ${unknown.join(', ')}.`, { gate: code, unknown });
    }
    await this.repo.updateGate(venueId, code, { name: dto.name ?? gate.name, sectionCodes: dto.sectionCodes ? [...new Set(dto.sectionCodes)] : gate.sectionCodes });
    return this.venues.getVenue(venueId);
  }

  /**
   * Checks every row of a section CSV against the file and the venue and reports, row by row, what
   * importing does. With `dryRun` false it writes the creates and updates in one transaction, and
   * only when no row has a problem: a file is imported whole or not at all.
   */
  async importSections(venueId: string, csv: string, dryRun: boolean): Promise<SectionImportView> {
    await this.venues.getVenue(venueId);
    const plan = planSectionImport(csv, await this.repo.sections(venueId));
    const count = (a: string) => plan.rows.filter((r) => r.action === a).length;
    const summary = { create: count('create'), update: count('update'), unchanged: count('unchanged'), errors: count('error') };
    if (!dryRun && summary.errors) {
      throw new VenueError('import_has_errors', `${summary.errors} of ${plan.rows.length} rows have problems; fix them and import again. Nothing was written.`, {
        rows: plan.rows.filter((r) => r.action === 'error'),
        summary,
      });
    }
    if (!dryRun && (plan.creates.length || plan.updates.length)) {
      try {
        await this.repo.importSections(venueId, plan.creates, plan.updates);
      } catch (err) {
        if (isUniqueViolation(err)) throw new VenueError('duplicate_code', 'Another import added one of these sections a moment ago; preview the file again.');
        throw err;
      }
      this.logger.log({ venueId, ...summary }, 'sections imported');
    }
    return { dryRun, applied: !dryRun, rows: plan.rows, summary };
  }

  private async requireSection(venueId: string, code: string): Promise<SectionRow> {
    await this.venues.getVenue(venueId);
    const section = await this.repo.findSection(venueId, code);
    if (!section) throw new VenueError('section_not_found', `This venue has no section ${code}.`, { section: code });
    return section;
  }

  private async checkNeighbours(venueId: string, code: string, neighbours: string[]): Promise<void> {
    if (neighbours.includes(code)) throw new VenueError('bad_neighbour', `${code} cannot be its own neighbour.`, { section: code });
    const known = new Set((await this.repo.sections(venueId)).map((s) => s.code));
    const unknown = neighbours.filter((n) => !known.has(n));
    if (unknown.length) throw new VenueError('bad_neighbour', `This venue has no section ${unknown.join(', ')} to be ${code}'s neighbour.`, { section: code, unknown });
  }
}
