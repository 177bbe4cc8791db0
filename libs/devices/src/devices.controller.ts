import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { AppealIdParam, DecideAppealDto, DenylistDto, DeviceAddressParam, EnvelopeDto, FileAppealDto, ListAppealsQuery, ListDevicesQuery, PairDeviceDto, RevokeDeviceDto } from './dto/device.dto';
import { DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get('pairing-domains')
  @Access('public')
  @ApiOperation({ summary: 'The EIP-712 domains a device and its owner sign (the registration domain is the on-chain registry)' })
  domains() {
    return this.devices.domains();
  }

  @Post('pairings')
  @Access('fan')
  @ApiOperation({ summary: 'Pair a device: its signed offer (from its QR) and both signatures over the registration' })
  async pair(@Body() dto: PairDeviceDto, @CurrentPrincipal() who: Principal) {
    return this.devices.view(await this.devices.pair(dto, who));
  }

  @Get('mine')
  @Access('fan')
  mine(@CurrentPrincipal() who: Principal) {
    return this.devices.list({ owner: who.subject });
  }

  @Get()
  @Access('staff', 'admin')
  list(@Query() q: ListDevicesQuery, @CurrentPrincipal() who: Principal) {
    if (q.venueId) {
      requireVenueRole(who, ['staff'], q.venueId);
      return this.devices.list({ venueIds: [q.venueId] });
    }
    // Without a venue: an admin sees all, staff see the venues they work at.
    return this.devices.list(isAdmin(who) ? {} : { venueIds: who.roles.filter((r) => r.startsWith('staff@')).map((r) => r.slice(6)) });
  }

  @Post('messages')
  @HttpCode(200)
  @Access('public') // authenticated by the device's own signature on the envelope, checked in the service
  @ApiOperation({ summary: 'A signed device envelope {deviceId, seq, sentAt, body, signature}; replays, old seq and clock skew are refused' })
  ingest(@Body() dto: EnvelopeDto) {
    return this.devices.ingest(dto);
  }

  @Post(':address/revoke')
  @HttpCode(204)
  @Access('fan', 'staff', 'admin')
  async revoke(@Param() p: DeviceAddressParam, @Body() dto: RevokeDeviceDto, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.devices.revoke(p.address, dto.reason, who);
  }

  @Post('denylist')
  @HttpCode(204)
  @Access('staff', 'admin')
  async denylist(@Body() dto: DenylistDto, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.devices.denylist(dto.type, dto.subject, dto.reason, dto.venueId, who);
  }

  @Get('appeals')
  @Access('staff', 'admin')
  @ApiOperation({ summary: "Denylist appeals at the venues the caller staffs (or one venue), newest first, with the denylisting's reason" })
  appeals(@Query() q: ListAppealsQuery, @CurrentPrincipal() who: Principal) {
    return this.devices.appeals({ venueId: q.venueId, status: q.status }, who);
  }

  @Post(':address/appeals')
  @Access('fan')
  @ApiOperation({ summary: "The owner appeals the denylisting that stops their device (one open appeal at a time); staff decide it" })
  fileAppeal(@Param() p: DeviceAddressParam, @Body() dto: FileAppealDto, @CurrentPrincipal() who: Principal) {
    return this.devices.fileAppeal(p.address, dto.message, who);
  }

  @Post('appeals/:appealId/decision')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: "Venue staff accept (lifts the denylist entry) or reject (keeps it) an open appeal, with a note the owner sees" })
  decideAppeal(@Param() p: AppealIdParam, @Body() dto: DecideAppealDto, @CurrentPrincipal() who: Principal) {
    return this.devices.decideAppeal(p.appealId, dto.decision, dto.note, who);
  }
}
