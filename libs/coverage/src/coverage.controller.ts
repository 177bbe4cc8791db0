import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { DocumentsRateLimit } from '@fanmesh/identity';
import { CoverageEventParam, CoveragePolicyDto, HotspotAddressParam, ReportQuery, SubmitWitnessDto, VerdictsQuery } from './dto/coverage.dto';
import { CoveragePolicyService } from './coverage-policy.service';
import { CoverageReportService } from './coverage-report.service';
import { ScoringService } from './scoring.service';
import { WITNESS_LIMIT, WitnessService } from './witness.service';

@ApiTags('coverage')
@Controller('coverage')
export class CoverageController {
  constructor(
    private readonly witnesses: WitnessService,
    private readonly policies: CoveragePolicyService,
    private readonly scoring: ScoringService,
    private readonly reports: CoverageReportService,
  ) {}

  @Post('witnesses')
  @HttpCode(200)
  @Access('fan')
  @DocumentsRateLimit(WITNESS_LIMIT)
  @ApiOperation({ summary: "Submit a witness: the hotspot-signed challenge co-signed by the fan's key. The answer is a verdict (valid or the reason), kept for audit" })
  witness(@Body() dto: SubmitWitnessDto, @CurrentPrincipal() who: Principal, @Req() req: Request) {
    return this.witnesses.submitWitness(who, dto, req.ip);
  }

  @Get('events/:eventId/witnesses/mine')
  @Access('fan')
  @ApiOperation({ summary: "The caller's own witness verdicts at an event, newest first" })
  mine(@Param() p: CoverageEventParam, @CurrentPrincipal() who: Principal) {
    return this.witnesses.myWitnesses(p.eventId, who.subject);
  }

  @Get('events/:eventId/policy')
  @Access('public')
  @ApiOperation({ summary: 'The witness limits (K per fan, N per hotspot, per interval) and challenge life for an event' })
  policy(@Param() p: CoverageEventParam) {
    return this.policies.policy(p.eventId);
  }

  @Put('events/:eventId/policy')
  @Access('staff', 'admin')
  @ApiOperation({ summary: "Venue staff set an event's witness limits and challenge life" })
  setPolicy(@Param() p: CoverageEventParam, @Body() dto: CoveragePolicyDto, @CurrentPrincipal() who: Principal) {
    return this.policies.setPolicy(p.eventId, dto, who);
  }

  @Get('events/:eventId/hotspots')
  @Access('staff', 'admin')
  @ApiOperation({ summary: "The venue's hotspots at an event for the staff dashboard: status, valid and refused witnesses, score" })
  hotspots(@Param() p: CoverageEventParam, @CurrentPrincipal() who: Principal) {
    return this.reports.hotspots(p.eventId, who);
  }

  @Get('events/:eventId/verdicts')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'The audit trail: every witness verdict of the event (newest first), by hotspot or verdict' })
  verdicts(@Param() p: CoverageEventParam, @Query() q: VerdictsQuery, @CurrentPrincipal() who: Principal) {
    return this.reports.audit(p.eventId, q, who);
  }

  @Get('events/:eventId/hotspots/mine')
  @Access('fan')
  @ApiOperation({ summary: "The caller's hotspots at an event, each with its report: refusals by reason, uptime, score, denylisting and appeal" })
  myHotspots(@Param() p: CoverageEventParam, @CurrentPrincipal() who: Principal) {
    return this.reports.myHotspots(p.eventId, who);
  }

  @Post('events/:eventId/scores')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: "Compute and store the epoch's hotspot scores (idempotent; final once the event has ended)" })
  async score(@Param() p: CoverageEventParam, @CurrentPrincipal() who: Principal) {
    await this.policies.requireStaff(p.eventId, who);
    return this.scoring.scoreEpoch(p.eventId);
  }

  @Get('events/:eventId/scores')
  @Access('public')
  @ApiOperation({ summary: "The stored hotspot scores of an epoch, highest first (rewards split the coverage pool by score)" })
  scores(@Param() p: CoverageEventParam) {
    return this.scoring.scores(p.eventId);
  }

  @Get('hotspots/:address/report')
  @Access('fan', 'staff', 'admin')
  @ApiOperation({ summary: "For the hotspot's owner or venue staff: verdict counts by reason with their meaning, uptime, quality, score, denylisting and appeal" })
  report(@Param() p: HotspotAddressParam, @Query() q: ReportQuery, @CurrentPrincipal() who: Principal) {
    return this.reports.report(p.address, q.eventId, who);
  }
}
