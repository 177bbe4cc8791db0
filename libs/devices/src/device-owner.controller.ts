import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import type { DeviceEarningsView, DeviceReadingsView } from '@fanmesh/protocol';
import { DeviceAddressParam } from './dto/device.dto';
import { DeviceReadingsQuery } from './dto/device-owner.dto';
import { DeviceOwnerService } from './device-owner.service';

/** The owner app's reports on one device: readings per event, earnings per epoch (its owner, staff of its venue, admins). */
@ApiTags('devices')
@Controller('devices')
export class DeviceOwnerController {
  constructor(private readonly owners: DeviceOwnerService) {}

  @Get(':address/readings')
  @Access('fan', 'staff', 'admin')
  @ApiOperation({ summary: "A device's readings per event: how many were accepted, how many refused and why (its owner, staff of its venue, admins; others 403)" })
  readings(@Param() p: DeviceAddressParam, @Query() q: DeviceReadingsQuery, @CurrentPrincipal() who: Principal): Promise<DeviceReadingsView> {
    return this.owners.readings(p.address, q.eventId?.toLowerCase(), who);
  }

  @Get(':address/earnings')
  @Access('fan', 'staff', 'admin')
  @ApiOperation({
    summary:
      "A device's score and earnings per reward epoch, open, pending, settling or published, with the owner's claim on chain (its owner, staff of its venue, admins; others 403)",
  })
  earnings(@Param() p: DeviceAddressParam, @CurrentPrincipal() who: Principal): Promise<DeviceEarningsView> {
    return this.owners.earnings(p.address, who);
  }
}
