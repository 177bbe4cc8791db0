import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal, requireVenueRole } from '@fanmesh/common';
import { AttestationService } from './attestation.service';
import { ConfirmMomentDto, EventIdParam, MomentIdParam, RejectMomentDto, SensorParam, VenueIdParam } from './dto/moments.dto';
import { MomentDecisionsService } from './moment-decisions.service';
import { MomentsService } from './moments.service';

@ApiTags('moments')
@Controller()
export class MomentsController {
  constructor(
    private readonly moments: MomentsService,
    private readonly decisions: MomentDecisionsService,
    private readonly attestation: AttestationService,
  ) {}

  @Get('events/:eventId/moments')
  @Access('public')
  @ApiOperation({ summary: "An event's confirmed moments; the venue's staff also see candidates and rejections with the sensor signal" })
  list(@Param() p: EventIdParam, @CurrentPrincipal() who?: Principal) {
    return this.moments.list(p.eventId, who);
  }

  @Post('moments/:id/confirm')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Confirm a candidate moment (venue staff), optionally saying what it was; it goes live on the event channel and is attested on chain' })
  confirm(@Param() p: MomentIdParam, @Body() dto: ConfirmMomentDto, @CurrentPrincipal() who: Principal) {
    return this.decisions.confirm(p.id, dto, who);
  }

  @Post('moments/:id/reject')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Reject a candidate moment (venue staff); the sensors that fired lose trust' })
  reject(@Param() p: MomentIdParam, @Body() dto: RejectMomentDto, @CurrentPrincipal() who: Principal) {
    return this.decisions.reject(p.id, dto.reason, who);
  }

  @Get('moments/:id/evidence')
  @Access('public')
  @ApiOperation({
    summary: 'For anyone to verify a confirmed moment: its on-chain record and commitment, the signed envelopes that evidence it, each with its Merkle proof to the attested root',
  })
  evidence(@Param() p: MomentIdParam) {
    return this.attestation.evidence(p.id);
  }

  @Get('venues/:venueId/sensor-trust')
  @Access('staff', 'admin')
  @ApiOperation({ summary: "The venue's sound sensors with their record against the quorum and their trust weight" })
  trust(@Param() p: VenueIdParam, @CurrentPrincipal() who: Principal) {
    requireVenueRole(who, ['staff'], p.venueId);
    return this.decisions.trust(p.venueId);
  }

  @Post('venues/:venueId/sensors/:device/approval')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Approve a sound sensor of the venue (staff installed or checked it): it starts at full trust under its current owner instead of earning it' })
  approve(@Param() p: SensorParam, @CurrentPrincipal() who: Principal) {
    return this.decisions.approve(p.venueId, p.device, who);
  }

  @Delete('venues/:venueId/sensors/:device/approval')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Withdraw a sensor’s approval: it keeps only the trust it earned through confirmed moments' })
  withdraw(@Param() p: SensorParam, @CurrentPrincipal() who: Principal) {
    return this.decisions.withdrawApproval(p.venueId, p.device, who);
  }
}
