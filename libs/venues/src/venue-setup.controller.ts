import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '@fanmesh/common';
import { VenueIdParam, VenueView } from './dto/venue.dto';
import { GateCodeParams, ImportSectionsDto, SeatMapDto, SectionCodeParams, SectionImportView, UpdateGateDto, UpdateSectionDto, UpdateVenueDto } from './dto/venue-setup.dto';
import { VenueSetupService } from './venue-setup.service';

/** The venue console's edits to a venue that exists: details, sections, seat maps, gates, CSV import. */
@ApiTags('venues')
@Controller('venues')
export class VenueSetupController {
  constructor(private readonly setup: VenueSetupService) {}

  @Patch(':venueId')
  @Access('admin')
  @ApiOperation({ summary: "Edit a venue's name, city or time zone" })
  @ApiOkResponse({ type: VenueView })
  update(@Param() p: VenueIdParam, @Body() dto: UpdateVenueDto): Promise<VenueView> {
    return this.setup.updateVenue(p.venueId, dto);
  }

  @Patch(':venueId/sections/:sectionCode')
  @Access('admin')
  @ApiOperation({ summary: "Edit a section's name, stand, tier, capacity or neighbours (its code never changes)" })
  @ApiOkResponse({ type: VenueView })
  updateSection(@Param() p: SectionCodeParams, @Body() dto: UpdateSectionDto): Promise<VenueView> {
    return this.setup.updateSection(p.venueId, p.sectionCode, dto);
  }

  @Put(':venueId/sections/:sectionCode/seat-map')
  @Access('admin')
  @ApiOperation({ summary: "Draw a section's seat plan; its seats become the section's capacity" })
  @ApiOkResponse({ type: VenueView })
  setSeatMap(@Param() p: SectionCodeParams, @Body() dto: SeatMapDto): Promise<VenueView> {
    return this.setup.setSeatMap(p.venueId, p.sectionCode, dto);
  }

  @Delete(':venueId/sections/:sectionCode/seat-map')
  @Access('admin')
  @ApiOperation({ summary: "Remove a section's seat plan (the capacity stays, and can be edited again)" })
  @ApiOkResponse({ type: VenueView })
  removeSeatMap(@Param() p: SectionCodeParams): Promise<VenueView> {
    return this.setup.removeSeatMap(p.venueId, p.sectionCode);
  }

  @Patch(':venueId/gates/:gateCode')
  @Access('admin')
  @ApiOperation({ summary: "Edit a gate's name or the sections it serves" })
  @ApiOkResponse({ type: VenueView })
  updateGate(@Param() p: GateCodeParams, @Body() dto: UpdateGateDto): Promise<VenueView> {
    return this.setup.updateGate(p.venueId, p.gateCode, dto);
  }

  @Post(':venueId/sections/import')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    summary:
      'Import sections from CSV: dryRun true previews every row (create, update, unchanged, or its problems); false writes the whole file, refused while any row has a problem',
  })
  @ApiOkResponse({ type: SectionImportView })
  importSections(@Param() p: VenueIdParam, @Body() dto: ImportSectionsDto): Promise<SectionImportView> {
    return this.setup.importSections(p.venueId, dto.csv, dto.dryRun);
  }
}
