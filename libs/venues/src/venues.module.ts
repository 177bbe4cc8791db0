import { Global, Module } from '@nestjs/common';
import { VenueDirectory } from '@fanmesh/directory';
import { EventsController, VenuesController } from './venues.controller';
import { EventLifecycleService } from './event-lifecycle.service';
import { VenueRepository } from './venue.repository';
import { VenuesService } from './venues.service';
import { VenueSetupController } from './venue-setup.controller';
import { VenueSetupService } from './venue-setup.service';
import { Venues1764000000000 } from './migrations/1764000000000-venues';
import { DemoVenue1764000000001 } from './migrations/1764000000001-demo-venue';
import { SectionSeatMaps1766700000000 } from './migrations/1766700000000-section-seat-maps';
import { EventWindows1767000000000 } from './migrations/1767000000000-event-windows';

/** Venues, sections, gates and events; other contexts ask through `VenueDirectory` (provided globally). */
@Global()
@Module({
  controllers: [VenuesController, VenueSetupController, EventsController],
  providers: [VenueRepository, VenuesService, VenueSetupService, EventLifecycleService, { provide: VenueDirectory, useExisting: VenuesService }],
  exports: [VenuesService, EventLifecycleService, VenueDirectory],
})
export class VenuesModule {
  static readonly entities: Function[] = [];
  static readonly migrations = [Venues1764000000000, DemoVenue1764000000001, SectionSeatMaps1766700000000, EventWindows1767000000000];
}
