import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { BallotDto, CreatePollDto, EventIdParam, PollIdParam, VenueIdParam } from './dto/poll.dto';
import { PollVotingService } from './poll-voting.service';
import { PollsService } from './polls.service';
import { RateLimit } from '@fanmesh/identity';

@ApiTags('polls')
@Controller()
export class PollsController {
  constructor(
    private readonly polls: PollsService,
    private readonly voting: PollVotingService,
  ) {}

  @Post('polls')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Create a poll for an event or a club: question, options, times, eligibility and weighting (staff of the venue, or an admin)' })
  create(@Body() dto: CreatePollDto, @CurrentPrincipal() who: Principal) {
    return this.polls.create(dto, who);
  }

  @Get('events/:eventId/polls')
  @Access('public')
  @ApiOperation({ summary: "An event's polls with their live tallies" })
  forEvent(@Param() p: EventIdParam) {
    return this.polls.list({ eventId: p.eventId });
  }

  @Get('venues/:venueId/polls')
  @Access('public')
  @ApiOperation({ summary: "A club's polls (event polls included) with their tallies" })
  forVenue(@Param() p: VenueIdParam) {
    return this.polls.list({ venueId: p.venueId });
  }

  @Get('polls/:id')
  @Access('public')
  @ApiOperation({ summary: 'A poll: options with live totals, snapshot block, the EIP-712 ballot domain and, once closed, the attested tally hash and ballots root' })
  get(@Param() p: PollIdParam) {
    return this.polls.get(p.id);
  }

  @Post('polls/:id/ballots')
  @HttpCode(200)
  @Access('fan')
  @RateLimit({ name: 'polls.ballot', key: 'principal', limit: 20, windowMs: 60_000 })
  @ApiOperation({ summary: "Cast a gasless ballot: the fan's EIP-712 signature over Ballot(pollId, option, issuedAt); a later ballot replaces an earlier one" })
  vote(@Param() p: PollIdParam, @Body() dto: BallotDto, @CurrentPrincipal() who: Principal) {
    return this.voting.vote(p.id, dto, who);
  }

  @Get('polls/:id/ballots')
  @Access('public')
  @ApiOperation({ summary: 'Every counted ballot with its signature and weight, the domain and the snapshot: enough to recount and compare with the attestation' })
  ballots(@Param() p: PollIdParam) {
    return this.polls.ballots(p.id);
  }

  @Post('polls/:id/open')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Open a scheduled poll now (it also opens at opensAt): takes the token snapshot now' })
  open(@Param() p: PollIdParam, @CurrentPrincipal() who: Principal) {
    return this.polls.openBy(p.id, who);
  }

  @Post('polls/:id/close')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Close a poll now (it also closes at closesAt): freezes the tally and queues its attestation on chain' })
  close(@Param() p: PollIdParam, @CurrentPrincipal() who: Principal) {
    return this.polls.closeBy(p.id, who);
  }
}
