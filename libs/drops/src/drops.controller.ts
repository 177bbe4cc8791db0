import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import {
  CreateDropDto,
  DropIdParam,
  DropReachView,
  DropView,
  FanDropView,
  ListDropsQuery,
  MyDropsQuery,
  RedemptionView,
  ApproveDropDto,
  ReviewDropDto,
  UpdateDropDto,
  UploadCodesDto,
} from './dto/drop.dto';
import { DropAnalyticsService } from './drop-analytics.service';
import { DropDefinitionService } from './drop-definition.service';
import { DropFiringService } from './drop-firing.service';
import { DropRedemptionService } from './drop-redemption.service';

@ApiTags('drops')
@Controller('drops')
export class DropsController {
  constructor(
    private readonly definitions: DropDefinitionService,
    private readonly firing: DropFiringService,
    private readonly redemptions: DropRedemptionService,
    private readonly analyticsService: DropAnalyticsService,
  ) {}

  @Post()
  @Access('sponsor')
  @ApiOperation({ summary: 'Create a drop for an event at your venue: content, reward, trigger, audience, inventory, per-fan limit, window. It starts as a draft.' })
  @ApiCreatedResponse({ type: DropView })
  create(@Body() dto: CreateDropDto, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.create(dto, who);
  }

  @Get()
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'Drops you may see: a sponsor its own, staff those of their venues (or ?venueId=), an admin all' })
  @ApiOkResponse({ type: [DropView] })
  list(@Query() q: ListDropsQuery, @CurrentPrincipal() who: Principal): Promise<DropView[]> {
    return this.definitions.list(who, q);
  }

  @Get('mine')
  @Access('fan')
  @ApiOperation({ summary: 'Drops sent to you, with the codes you redeemed (only you ever see them)' })
  @ApiOkResponse({ type: [FanDropView] })
  mine(@Query() q: MyDropsQuery, @CurrentPrincipal() who: Principal): Promise<FanDropView[]> {
    return this.redemptions.mine(who.subject, q.eventId);
  }

  @Get(':dropId')
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'One drop (its sponsor, the venue staff, an admin)' })
  @ApiOkResponse({ type: DropView })
  get(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.get(p.dropId, who);
  }

  @Patch(':dropId')
  @Access('sponsor')
  @ApiOperation({ summary: 'Change a draft or rejected drop (it goes back to draft for review)' })
  @ApiOkResponse({ type: DropView })
  update(@Param() p: DropIdParam, @Body() dto: UpdateDropDto, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.update(p.dropId, dto, who);
  }

  @Post(':dropId/codes')
  @HttpCode(200)
  @Access('sponsor')
  @ApiOperation({ summary: 'Upload coupon codes (up to 5,000 per request, never beyond the inventory; all or none)' })
  uploadCodes(@Param() p: DropIdParam, @Body() dto: UploadCodesDto, @CurrentPrincipal() who: Principal) {
    return this.definitions.uploadCodes(p.dropId, dto.codes, who);
  }

  @Post(':dropId/approve')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({
    summary: 'Venue staff approve the version of a draft they reviewed so it can fire (coupon drops need all their codes; 409 drop_changed when it was edited since)',
  })
  @ApiOkResponse({ type: DropView })
  approve(@Param() p: DropIdParam, @Body() dto: ApproveDropDto, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.approve(p.dropId, who, dto.version, dto.note ?? null);
  }

  @Post(':dropId/reject')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Venue staff send a drop back with a note' })
  @ApiOkResponse({ type: DropView })
  reject(@Param() p: DropIdParam, @Body() dto: ReviewDropDto, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.reject(p.dropId, who, dto.note ?? null);
  }

  @Post(':dropId/cancel')
  @HttpCode(200)
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'Cancel a drop that has not fired' })
  @ApiOkResponse({ type: DropView })
  cancel(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<DropView> {
    return this.definitions.cancel(p.dropId, who);
  }

  @Get(':dropId/audience')
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'How many fans the drop would reach if it fired now: a count, never addresses (the console warns before firing to nobody)' })
  @ApiOkResponse({ type: DropReachView })
  audience(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<DropReachView> {
    return this.firing.reach(p.dropId, who);
  }

  @Post(':dropId/fire')
  @HttpCode(200)
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'Fire an approved manual drop now (once): every fan in its audience gets it on their channel' })
  async fire(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal) {
    const r = await this.firing.fireManually(p.dropId, who);
    return { dropId: r.dropId, targeted: r.targeted };
  }

  @Post(':dropId/delivered')
  @HttpCode(204)
  @Access('fan')
  @ApiOperation({ summary: "The fan's client acknowledges the drop arrived (idempotent)" })
  async delivered(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.redemptions.acknowledge(p.dropId, who.subject, false);
  }

  @Post(':dropId/opened')
  @HttpCode(204)
  @Access('fan')
  @ApiOperation({ summary: 'The fan opened the drop (idempotent)' })
  async opened(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.redemptions.acknowledge(p.dropId, who.subject, true);
  }

  @Post(':dropId/redeem')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'Claim one unit: the coupon code, collectible serial or token bonus, shown only to you; refused with limit_reached or sold_out' })
  @ApiOkResponse({ type: RedemptionView })
  redeem(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<RedemptionView> {
    return this.redemptions.redeem(p.dropId, who.subject);
  }

  @Get(':dropId/analytics')
  @Access('sponsor', 'staff', 'admin')
  @ApiOperation({ summary: 'Targeted, delivered, opened, redeemed: in total, by section and per minute (aggregates only, never addresses)' })
  analytics(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal) {
    return this.analyticsService.analytics(p.dropId, who);
  }

  @Get(':dropId/analytics/export')
  @Access('sponsor', 'staff', 'admin')
  @Header('content-type', 'text/csv; charset=utf-8')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The same aggregates as CSV' })
  analyticsCsv(@Param() p: DropIdParam, @CurrentPrincipal() who: Principal): Promise<string> {
    return this.analyticsService.analyticsCsv(p.dropId, who);
  }
}
