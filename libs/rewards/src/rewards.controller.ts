import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { ClaimsService } from './claims.service';
import { DecisionDto, EpochIdParam, RelayClaimDto, RewardsAddressParam, RewardsEventIdParam, SeasonQuery, SetPoolsDto } from './dto/rewards.dto';
import { EpochsService } from './epochs.service';
import { PoolsService } from './pools.service';
import { RewardsService } from './rewards.service';
import { SeasonReportService } from './season-report.service';

@ApiTags('rewards')
@Controller()
export class RewardsController {
  constructor(
    private readonly rewards: RewardsService,
    private readonly poolsService: PoolsService,
    private readonly epochs: EpochsService,
    private readonly claims: ClaimsService,
    private readonly seasonReport: SeasonReportService,
  ) {}

  @Get('rewards/me')
  @Access('fan')
  @ApiOperation({ summary: 'My ledger balance and latest entries, each with its reason' })
  me(@CurrentPrincipal() who: Principal) {
    return this.rewards.mine(who.subject);
  }

  @Get('rewards/:address/claim')
  @Access('fan', 'admin')
  @ApiOperation({
    summary:
      'Cumulative amount, proof and claimable (against the contract’s claimed), with the direct-claim call and the gasless EIP-712 message. Only the address’s own session (or an admin): anyone else is 403 not_your_address',
  })
  claim(@Param() p: RewardsAddressParam, @CurrentPrincipal() who: Principal) {
    return this.claims.claimFor(p.address, who);
  }

  @Post('rewards/claims/relay')
  @HttpCode(202)
  @Access('fan')
  @ApiOperation({ summary: 'Gasless claim: the fan’s EIP-712 Claim signature; the platform sends claimFor through the outbox' })
  relay(@Body() dto: RelayClaimDto, @CurrentPrincipal() who: Principal) {
    return this.claims.relay(dto, who);
  }

  @Get('rewards/rates')
  @Access('public')
  @ApiOperation({
    summary:
      'What a unit of each kind of work pays at events whose pools are made now (the default rate times the controller’s factor), and the latest steps: each epoch’s emission against its share of the week’s scheduled release',
  })
  rates() {
    return this.poolsService.rates();
  }

  @Get('rewards/economics')
  @Access('public')
  @ApiOperation({
    summary:
      'The season’s fairness report: emission per epoch against the schedule, pay per unit of each kind per event and its spread across events, the Gini of rewards beside the Gini of verified work, the top 1%’s share, and what caps and pools cut. Aggregates only: no account is named',
  })
  economics(@Query() q: SeasonQuery) {
    return this.seasonReport.report(q.season);
  }

  @Get('events/:eventId/reward-pools')
  @Access('public')
  @ApiOperation({ summary: 'The event’s reward pools: per-unit amount, per-account cap, pool and what is left, per kind' })
  pools(@Param() p: RewardsEventIdParam) {
    return this.poolsService.pools(p.eventId);
  }

  @Put('events/:eventId/reward-pools')
  @Access('admin')
  @ApiOperation({ summary: 'Replace the event’s pools (every kind once); only before its gates open' })
  setPools(@Param() p: RewardsEventIdParam, @Body() dto: SetPoolsDto, @CurrentPrincipal() who: Principal) {
    return this.poolsService.setPools(
      p.eventId,
      dto.pools.map((x) => ({ kind: x.kind, perUnit: BigInt(x.perUnit), accountCap: BigInt(x.accountCap), pool: BigInt(x.pool) })),
      who,
    );
  }

  @Get('events/:eventId/reward-totals')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Paid, entries, pool and remaining per kind for the event' })
  totals(@Param() p: RewardsEventIdParam, @CurrentPrincipal() who: Principal) {
    return this.epochs.eventTotals(p.eventId, who);
  }

  @Post('events/:eventId/epochs/close')
  @HttpCode(201)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Close the ended event’s epoch: score coverage, stamp its entries and compute the manifest for approval' })
  close(@Param() p: RewardsEventIdParam, @CurrentPrincipal() who: Principal) {
    return this.epochs.close(p.eventId, who);
  }

  @Get('epochs/:epochId/manifest')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'The epoch and its reward manifest: totals per kind, largest movers, anomalies against the previous epoch' })
  manifest(@Param() p: EpochIdParam, @CurrentPrincipal() who: Principal) {
    return this.epochs.manifestOf(p.epochId, who);
  }

  @Post('epochs/:epochId/approve')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Approve the manifest: settlement builds the tree, stores proofs and publishes the root' })
  approve(@Param() p: EpochIdParam, @Body() dto: DecisionDto, @CurrentPrincipal() who: Principal) {
    return this.epochs.decide(p.epochId, 'approve', who, dto.note);
  }

  @Post('epochs/:epochId/retry')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Send a failed epoch through settlement again: its tree is kept and its failed publishRoot queued afresh (idempotent; never published twice)' })
  retry(@Param() p: EpochIdParam, @CurrentPrincipal() who: Principal) {
    return this.epochs.retry(p.epochId, who);
  }

  @Post('epochs/:epochId/reject')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Reject the manifest: nothing is published and its entries are withheld' })
  reject(@Param() p: EpochIdParam, @Body() dto: DecisionDto, @CurrentPrincipal() who: Principal) {
    return this.epochs.decide(p.epochId, 'reject', who, dto.note);
  }
}
