import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal, requireVenueRole } from '@fanmesh/common';
import {
  CreateEventDto,
  CreateGateDto,
  CreateSectionDto,
  CreateVenueDto,
  EventIdParam,
  EventView,
  ListEventsQuery,
  TransitionEventDto,
  VenueIdParam,
  VenueSummaryView,
  VenueView,
} from './dto/venue.dto';
import { VenuesService } from './venues.service';
import { EventLifecycleService } from './event-lifecycle.service';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';

class AddSectionsDto {
  @ApiProperty({ type: [CreateSectionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => CreateSectionDto)
  sections: CreateSectionDto[];
}
class AddGatesDto {
  @ApiProperty({ type: [CreateGateDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CreateGateDto)
  gates: CreateGateDto[];
}

@ApiTags('venues')
@Controller('venues')
export class VenuesController {
  constructor(private readonly venues: VenuesService) {}

  @Get()
  @Access('public')
  @ApiOkResponse({ type: [VenueSummaryView] })
  list(): Promise<VenueSummaryView[]> {
    return this.venues.listVenues();
  }

  @Post()
  @Access('admin')
  @ApiOperation({ summary: 'Create a venue with its sections and gates' })
  @ApiCreatedResponse({ type: VenueView })
  create(@Body() dto: CreateVenueDto): Promise<VenueView> {
    return this.venues.createVenue(dto);
  }

  @Get(':venueId')
  @Access('public')
  @ApiOkResponse({ type: VenueView })
  get(@Param() p: VenueIdParam): Promise<VenueView> {
    return this.venues.getVenue(p.venueId);
  }

  @Post(':venueId/sections')
  @Access('admin')
  @ApiCreatedResponse({ type: VenueView })
  addSections(@Param() p: VenueIdParam, @Body() dto: AddSectionsDto): Promise<VenueView> {
    return this.venues.addSections(p.venueId, dto.sections);
  }

  @Post(':venueId/gates')
  @Access('admin')
  @ApiCreatedResponse({ type: VenueView })
  addGates(@Param() p: VenueIdParam, @Body() dto: AddGatesDto): Promise<VenueView> {
    return this.venues.addGates(p.venueId, dto.gates);
  }
}

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly venues: VenuesService,
    private readonly lifecycle: EventLifecycleService,
  ) {}

  @Get()
  @Access('public')
  @ApiOkResponse({ type: [EventView] })
  list(@Query() q: ListEventsQuery): Promise<EventView[]> {
    return this.venues.listEvents(q);
  }

  @Post()
  @Access('staff', 'admin')
  @ApiCreatedResponse({ type: EventView })
  create(@Body() dto: CreateEventDto, @CurrentPrincipal() who: Principal): Promise<EventView> {
    requireVenueRole(who, ['staff'], dto.venueId);
    return this.venues.createEvent(dto);
  }

  @Get(':eventId')
  @Access('public')
  @ApiOkResponse({ type: EventView })
  get(@Param() p: EventIdParam): Promise<EventView> {
    return this.venues.getEvent(p.eventId);
  }

  @Post(':eventId/transitions')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Move an event through its lifecycle; a move the lifecycle does not allow is a 409' })
  @ApiOkResponse({ type: EventView })
  transition(@Param() p: EventIdParam, @Body() dto: TransitionEventDto, @CurrentPrincipal() who: Principal): Promise<EventView> {
    return this.lifecycle.transition(p.eventId, dto.to, dto.expectedVersion, who);
  }
}
