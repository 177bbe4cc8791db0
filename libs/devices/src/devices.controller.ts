import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ChainService } from '@fanmesh/chain';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, isAdmin, Principal, requireVenueRole } from '@fanmesh/common';
import { DocumentsRateLimit } from '@fanmesh/identity';
import {
  AppealIdParam,
  DecideAppealDto,
  DenylistDto,
  DeviceAddressParam,
  EnvelopeDto,
  FileAppealDto,
  ListAppealsQuery,
  ListDevicesQuery,
  PairDeviceDto,
  RevokeDeviceDto,
  TransferDeviceDto,
} from './dto/device.dto';
import { DeviceError } from './device.error';
import { DEVICE_MESSAGE_LIMIT, DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(
    private readonly devices: DevicesService,
    private readonly chain: ChainService,
  ) {}

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

  @Get(':address/chain')
  @Access('fan')
  @ApiOperation({ summary: "Where the owner's device stands on chain: DeviceRegistry.register queued, sent, confirmed (or no chain)" })
  async chainStatus(@Param() p: DeviceAddressParam, @CurrentPrincipal() who: Principal) {
    const d = await this.devices.device(p.address);
    if (!d || d.owner !== who.subject.toLowerCase()) throw new DeviceError('device_not_found', 'You own no device with this address.');
    if (!this.devices.domains().onChain) return { onChain: false, status: 'no_chain', blockNumber: null, lastError: null };
    const intent = await this.chain.intentStatus(`device-register:${d.address}`);
    return { onChain: true, status: intent?.status ?? 'not_queued', blockNumber: intent?.blockNumber ?? null, lastError: intent?.lastError ?? null };
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
  @DocumentsRateLimit(DEVICE_MESSAGE_LIMIT)
  @ApiOperation({ summary: 'A signed device envelope {deviceId, seq, sentAt, body, signature}; replays, old seq and clock skew are refused' })
  ingest(@Body() dto: EnvelopeDto, @Req() req: Request) {
    return this.devices.ingest(dto, req.ip);
  }

  @Post(':address/revoke')
  @HttpCode(204)
  @Access('fan', 'staff', 'admin')
  async revoke(@Param() p: DeviceAddressParam, @Body() dto: RevokeDeviceDto, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.devices.revoke(p.address, dto.reason, who);
  }

  @Get(':address/transfer')
  @Access('fan')
  @ApiOperation({ summary: 'For the owner: what to sign to hand the device over (DeviceRegistry Transfer: its domain and the current nonce)' })
  transferTerms(@Param() p: DeviceAddressParam, @CurrentPrincipal() who: Principal) {
    return this.devices.transferTerms(p.address, who);
  }

  @Post(':address/transfer')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'The owner hands the device to another account with a signed Transfer; it moves here at once and FanMesh relays DeviceRegistry.transferBySig' })
  transfer(@Param() p: DeviceAddressParam, @Body() dto: TransferDeviceDto, @CurrentPrincipal() who: Principal) {
    return this.devices.transfer(p.address, dto, who);
  }

  @Get('transfers/mine')
  @Access('fan')
  @ApiOperation({ summary: 'The devices the caller handed over or received (newest first), each with where it stands on the registry' })
  myTransfers(@CurrentPrincipal() who: Principal) {
    return this.devices.myTransfers(who);
  }

  @Post('denylist')
  @HttpCode(204)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Staff denylist a device at its own venue, or an owner at theirs (an entry stops nothing elsewhere); admins may list an owner everywhere' })
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
  @ApiOperation({ summary: 'The owner appeals the denylisting that stops their device (one open appeal at a time); staff decide it' })
  fileAppeal(@Param() p: DeviceAddressParam, @Body() dto: FileAppealDto, @CurrentPrincipal() who: Principal) {
    return this.devices.fileAppeal(p.address, dto.message, who);
  }

  @Post('appeals/:appealId/decision')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Venue staff accept (lifts the denylist entry) or reject (keeps it) an open appeal, with a note the owner sees' })
  decideAppeal(@Param() p: AppealIdParam, @Body() dto: DecideAppealDto, @CurrentPrincipal() who: Principal) {
    return this.devices.decideAppeal(p.appealId, dto.decision, dto.note, who);
  }
}
