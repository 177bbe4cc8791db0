import { Module } from '@nestjs/common';
import { EventsController, VenuesController } from './venues.controller';
import { VenueRepository } from './venue.repository';
import { VenuesService } from './venues.service';
import { Gate, Section, Venue, VenueEvent } from './venue.entity';
import { Venues1764000000000 } from './migrations/1764000000000-venues';
import { DemoVenue1764000000001 } from './migrations/1764000000001-demo-venue';

@Module({
  controllers: [VenuesController, EventsController],
  providers: [VenueRepository, VenuesService],
  exports: [VenuesService],
})
export class VenuesModule {
  static readonly entities = [Venue, Section, Gate, VenueEvent];
  static readonly migrations = [Venues1764000000000, DemoVenue1764000000001];
}
