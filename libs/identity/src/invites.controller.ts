import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { IsUUID } from 'class-validator';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { AcceptedInviteView, CreatedInviteView, CreateInviteDto, InviteLookupView, InviteParams, InviteTokenDto, InviteView, OperatorInviteView } from './dto/invite.dto';
import { InvitesService } from './invites.service';
import { RateLimit } from './rate-limit';

class VenueParam {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
}

@ApiTags('invites')
@Controller()
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post('venues/:venueId/invites')
  @Access('admin')
  @ApiOperation({ summary: 'Invite someone to be staff or a steward at this venue: a one-time link that expires (its token is shown only in this answer)' })
  @ApiCreatedResponse({ type: CreatedInviteView })
  create(@Param() p: VenueParam, @Body() dto: CreateInviteDto, @CurrentPrincipal() who: Principal): Promise<CreatedInviteView> {
    return this.invites.create(p.venueId, dto, who);
  }

  @Get('venues/:venueId/invites')
  @Access('admin')
  @ApiOkResponse({ type: [InviteView] })
  list(@Param() p: VenueParam): Promise<InviteView[]> {
    return this.invites.list(p.venueId);
  }

  @Delete('venues/:venueId/invites/:inviteId')
  @HttpCode(204)
  @Access('admin')
  @ApiOperation({ summary: 'Withdraw a pending invite (an accepted one is ended by revoking the role)' })
  async revoke(@Param() p: InviteParams, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.invites.revoke(p.venueId, p.inviteId, who);
  }

  @Post('invites/lookup')
  @HttpCode(200)
  @Access('public')
  @RateLimit({ name: 'invites.lookup', key: 'ip', limit: 30, windowMs: 60_000 })
  @ApiOperation({ summary: 'What an invite link offers (venue, role, expiry, whether it was taken and by whom), before accepting it' })
  @ApiOkResponse({ type: InviteLookupView })
  lookup(@Body() dto: InviteTokenDto): Promise<InviteLookupView> {
    return this.invites.lookup(dto.token);
  }

  @Post('invites/accept')
  @HttpCode(200)
  @Access('fan')
  @RateLimit({ name: 'invites.accept', key: 'ip', limit: 30, windowMs: 60_000 })
  @ApiOperation({ summary: "Accept an invite: the signed-in account gets its role at the invite's venue (sign in again, or refresh, to carry it)" })
  @ApiOkResponse({ type: AcceptedInviteView })
  accept(@Body() dto: InviteTokenDto, @CurrentPrincipal() who: Principal): Promise<AcceptedInviteView> {
    return this.invites.accept(dto.token, who);
  }

  @Get('invites/operator')
  @Access('public')
  @ApiOperation({ summary: "Whether the operator's first-run invite is still open (outside production, without ADMIN_ADDRESS, until an account takes it)" })
  @ApiOkResponse({ type: OperatorInviteView })
  operator(): Promise<OperatorInviteView> {
    return this.invites.operatorInvite();
  }

  @Post('invites/operator/accept')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: "Take the operator's first-run invite from the machine FanMesh runs on: the signed-in account becomes admin (once)" })
  acceptOperator(@CurrentPrincipal() who: Principal, @Req() req: Request): Promise<{ address: string; alreadyAccepted: boolean }> {
    return this.invites.acceptOperator(who, req.ip);
  }
}
