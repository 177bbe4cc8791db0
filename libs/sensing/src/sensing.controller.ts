import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal, requireVenueRole } from '@fanmesh/common';
import { AttendanceService } from './attendance.service';
import { EventIdParam } from './dto/sensing.dto';

@ApiTags('sensing')
@Controller()
export class SensingController {
  constructor(private readonly attendance: AttendanceService) {}

  @Get('events/:eventId/attendance')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Live attendance per section: admitted (gate scans) beside turnstile counts and occupancy sensors, with gap alerts' })
  async get(@Param() p: EventIdParam, @CurrentPrincipal() who: Principal) {
    requireVenueRole(who, ['staff'], await this.attendance.venueOf(p.eventId));
    return this.attendance.attendance(p.eventId);
  }
}
