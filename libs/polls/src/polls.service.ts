import { Injectable, Logger } from '@nestjs/common';
import { Principal, requireVenueRole } from '@fanmesh/common';
import { VenueDirectory } from '@fanmesh/directory';
import { BALLOT_TYPES, pollKey, PollView } from '@fanmesh/protocol';
import { Eligibility, needsChain, Weighting } from './ballots';
import { pollStatus, toSnapshotView } from './poll.mapper';
import { PollRepository, PollRow } from './poll.repository';
import { PollScheduleService } from './poll-schedule.service';
import { PollViews } from './poll-views.service';
import { PollError } from './polls.error';
import { TokenSnapshot } from './token-snapshot';

export interface CreatePoll {
  venueId: string;
  eventId?: string;
  question: string;
  options: string[];
  opensAt?: string;
  closesAt: string;
  eligibility: Eligibility;
  weighting: Weighting;
}

/**
 * Fan polls: created by staff for an event or a club, read with their tallies, and the published
 * ballots anyone can recount. Opening, closing and attesting are PollScheduleService's; ballots are
 * PollVotingService's.
 */
@Injectable()
export class PollsService {
  private readonly logger = new Logger(PollsService.name);

  constructor(
    private readonly repo: PollRepository,
    private readonly snapshot: TokenSnapshot,
    private readonly schedule: PollScheduleService,
    private readonly views: PollViews,
    private readonly venues: VenueDirectory,
  ) {}

  async create(dto: CreatePoll, by: Principal): Promise<PollView> {
    requireVenueRole(by, ['staff'], dto.venueId);
    if (dto.eventId) {
      const event = await this.venues.getEvent(dto.eventId);
      if (event.venueId !== dto.venueId) throw new PollError('event_not_at_venue', `Event ${dto.eventId} is at another venue; create the poll for that venue.`);
    } else if (dto.eligibility !== 'holders') {
      throw new PollError('needs_event', 'Only fans checked in to an event can be required: give the eventId, or make the poll open to token holders.');
    }
    const labels = dto.options.map((o) => o.trim().toLowerCase());
    if (new Set(labels).size !== labels.length) throw new PollError('duplicate_options', 'Two options have the same text; each option must be different.');
    const opensAt = dto.opensAt ? new Date(dto.opensAt) : new Date();
    const closesAt = new Date(dto.closesAt);
    if (closesAt <= opensAt) throw new PollError('bad_schedule', 'closesAt must be after opensAt.');
    if (closesAt.getTime() <= Date.now()) throw new PollError('bad_schedule', 'closesAt is in the past.');
    if (needsChain(dto) && !this.snapshot.available) {
      throw new PollError('chain_unavailable', 'Token-holder eligibility and token weighting need the chain, which is not enabled on this server.');
    }
    const id = await this.repo.create({
      venueId: dto.venueId,
      eventId: dto.eventId ?? null,
      question: dto.question.trim(),
      options: dto.options.map((o) => o.trim()),
      opensAt,
      closesAt,
      eligibility: dto.eligibility,
      weighting: dto.weighting,
      createdBy: by.subject,
    });
    this.logger.log({ pollId: id, venueId: dto.venueId, eventId: dto.eventId, eligibility: dto.eligibility, weighting: dto.weighting }, 'poll created');
    // Should the chain not answer now, the poll is still created; the schedule job (or the first ballot) opens it.
    if (opensAt.getTime() <= Date.now()) await this.schedule.open(id).catch(() => undefined);
    return this.get(id);
  }

  async get(id: string): Promise<PollView> {
    return this.views.view(await this.require(id));
  }

  async list(filter: { eventId?: string; venueId?: string }): Promise<PollView[]> {
    return Promise.all((await this.repo.list(filter)).map((p) => this.views.view(p)));
  }

  /** Every counted ballot with its signature and weight, and what is needed to recount them. */
  async ballots(id: string) {
    const poll = await this.require(id);
    const rows = await this.repo.ballots(id);
    return {
      pollId: poll.id,
      key: pollKey(poll.id),
      domain: this.views.domain(),
      types: BALLOT_TYPES,
      weighting: poll.weighting,
      snapshot: toSnapshotView(poll, this.snapshot.token ?? null),
      tallyHash: poll.tallyHash,
      ballotsRoot: poll.ballotsRoot,
      ballots: rows.map((b) => ({
        voter: b.voter,
        option: b.option,
        issuedAt: Number(b.issuedAt),
        weight: b.weight,
        signature: b.signature,
        receivedAt: new Date(b.receivedAt).toISOString(),
      })),
    };
  }

  /**
   * Opens a scheduled poll now, by hand (staff of its venue, or an admin): its opening time moves
   * to now and the token snapshot is taken now; it would otherwise open by itself at opensAt.
   */
  async openBy(id: string, by: Principal): Promise<PollView> {
    const poll = await this.require(id);
    requireVenueRole(by, ['staff'], poll.venueId);
    if (pollStatus(poll) === 'closed') throw new PollError('already_closed', 'This poll is closed; a closed poll cannot open again. Create a new one.');
    if (poll.openedAt) throw new PollError('already_open', `This poll has been open since ${new Date(poll.openedAt).toISOString()}.`);
    await this.repo.openNow(id);
    await this.schedule.open(id);
    this.logger.log({ pollId: id, by: by.subject }, 'poll opened by hand');
    return this.get(id);
  }

  /** Closes a poll by hand (staff of its venue, or an admin); it also closes by itself at closesAt. */
  async closeBy(id: string, by: Principal): Promise<PollView> {
    const poll = await this.require(id);
    requireVenueRole(by, ['staff'], poll.venueId);
    if (!(await this.schedule.close(id, by.subject)))
      throw new PollError('already_closed', `This poll closed at ${new Date((await this.repo.find(id))!.closedAt!).toISOString()}.`);
    return this.get(id);
  }

  private async require(id: string): Promise<PollRow> {
    const poll = await this.repo.find(id);
    if (!poll) throw new PollError('poll_not_found', `No poll ${id}.`);
    return poll;
  }
}
