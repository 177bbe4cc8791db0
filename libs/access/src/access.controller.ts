import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { DocumentsRateLimit } from '@fanmesh/identity';
import {
  AccessEventIdParam,
  GateIdParam,
  IssueTicketsDto,
  MerchIssuerDto,
  MerchTagDto,
  OfflineReviewDecisionDto,
  OfflineReviewParams,
  OfflineUploadDto,
  RegisterMerchDto,
  ScanBatchDto,
  ScanDto,
  ThroughputQuery,
  TicketIdParam,
  TransferTicketDto,
  VerifyMerchDto,
} from './dto/access.dto';
import { MerchService } from './merch.service';
import { AdmissionStatsService } from './admission-stats.service';
import { GATE_SCAN_LIMIT, GateScanService } from './gate-scan.service';
import { OfflineScanService } from './offline-scan.service';
import { TicketService } from './ticket.service';

@ApiTags('tickets')
@Controller()
export class TicketsController {
  constructor(private readonly tickets: TicketService) {}

  @Post('events/:eventId/tickets')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Issue EIP-712 signed tickets (up to 10,000 per request), all or none' })
  async issue(@Param() p: AccessEventIdParam, @Body() dto: IssueTicketsDto, @CurrentPrincipal() who: Principal) {
    const tickets = await this.tickets.issue(p.eventId, dto.tickets, who);
    return { count: tickets.length, issuer: this.tickets.issuer, tickets };
  }

  @Get('tickets/issuer')
  @Access('public')
  @ApiOperation({ summary: 'The address that signs tickets, for anyone verifying one' })
  issuer() {
    return { issuer: this.tickets.issuer };
  }

  @Get('tickets/mine')
  @Access('fan')
  mine(@CurrentPrincipal() who: Principal) {
    return this.tickets.mine(who.subject);
  }

  @Post('tickets/:ticketId/transfer')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'Give the ticket to another address; it is re-signed and every older code stops working' })
  transfer(@Param() p: TicketIdParam, @Body() dto: TransferTicketDto, @CurrentPrincipal() who: Principal) {
    return this.tickets.transfer(p.ticketId, dto.to, who);
  }

  @Post('tickets/:ticketId/revoke')
  @HttpCode(204)
  @Access('staff', 'admin')
  async revoke(@Param() p: TicketIdParam, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.tickets.revoke(p.ticketId, who);
  }
}

@ApiTags('gates')
@Controller()
export class GatesController {
  constructor(
    private readonly scans: GateScanService,
    private readonly offline: OfflineScanService,
    private readonly stats: AdmissionStatsService,
  ) {}

  @Post('gates/:gateId/scans')
  @HttpCode(200)
  @Access('steward', 'staff', 'device', 'admin')
  @DocumentsRateLimit(GATE_SCAN_LIMIT)
  @ApiOperation({ summary: 'Verify a scanned ticket code and admit it at most once; the answer is admit, or deny with a reason' })
  async scan(@Param() p: GateIdParam, @Body() dto: ScanDto, @CurrentPrincipal() who: Principal) {
    const gate = await this.scans.authorize(p.gateId, who);
    return this.scans.scan(gate, dto.code, who, dto.eventId);
  }

  @Post('gates/:gateId/scans/batch')
  @HttpCode(200)
  @Access('steward', 'staff', 'device', 'admin')
  @DocumentsRateLimit(GATE_SCAN_LIMIT)
  @ApiOperation({ summary: 'Up to 50 scans from one gate in one request; results in the same order' })
  async scanBatch(@Param() p: GateIdParam, @Body() dto: ScanBatchDto, @CurrentPrincipal() who: Principal) {
    const gate = await this.scans.authorize(p.gateId, who);
    return { results: await Promise.all(dto.codes.map((c) => this.scans.scan(gate, c, who))) };
  }

  @Get('events/:eventId/offline-snapshot')
  @Access('steward', 'staff', 'device', 'admin')
  @ApiOperation({ summary: 'Everything a scanner needs to verify codes while offline' })
  snapshot(@Param() p: AccessEventIdParam, @CurrentPrincipal() who: Principal) {
    return this.offline.snapshot(p.eventId, who);
  }

  @Post('gates/:gateId/offline-scans')
  @HttpCode(200)
  @Access('steward', 'staff', 'device', 'admin')
  @DocumentsRateLimit(GATE_SCAN_LIMIT)
  @ApiOperation({ summary: 'Upload decisions made offline; double admissions come back as conflicts and raise an alert' })
  async uploadOffline(@Param() p: GateIdParam, @Body() dto: OfflineUploadDto, @CurrentPrincipal() who: Principal) {
    const gate = await this.scans.authorize(p.gateId, who);
    return { results: await this.offline.upload(gate, dto.scans, who) };
  }

  @Get('events/:eventId/admissions')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Admissions so far by section and gate, and offline conflicts' })
  attendance(@Param() p: AccessEventIdParam, @CurrentPrincipal() who: Principal) {
    return this.stats.attendance(p.eventId, who);
  }

  @Post('events/:eventId/offline-reviews/:reviewId/decision')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({
    summary:
      'Decide an offline decision uploaded after the end (GET /events/:eventId/admissions lists them): approve admits it at the time of the scan, its reward going into a follow-up epoch staff review; reject admits nothing',
  })
  decideHeld(@Param() p: OfflineReviewParams, @Body() dto: OfflineReviewDecisionDto, @CurrentPrincipal() who: Principal) {
    return this.offline.decideHeld(p.eventId, p.reviewId, dto.decision, dto.note, who);
  }

  @Get('events/:eventId/admissions/throughput')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Admissions per gate in each second (or minute) of the last minutes: the gate throughput chart after a reload' })
  throughput(@Param() p: AccessEventIdParam, @Query() q: ThroughputQuery, @CurrentPrincipal() who: Principal) {
    return this.stats.throughput(p.eventId, who, q.minutes ?? 15, q.bucket ?? 'second');
  }
}

@ApiTags('merch')
@Controller('merch')
export class MerchController {
  constructor(private readonly merch: MerchService) {}

  @Post('issuers')
  @Access('admin')
  @ApiOperation({ summary: 'Register an address whose signature makes a merch tag genuine' })
  addIssuer(@Body() dto: MerchIssuerDto) {
    return this.merch.addIssuer(dto.address, dto.venueId, dto.name);
  }

  @Post('items')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Register issuer-signed items (SKU, serial, signature), all or none' })
  register(@Body() dto: RegisterMerchDto, @CurrentPrincipal() who: Principal) {
    return this.merch.register(dto.items, who);
  }

  @Post('verifications')
  @HttpCode(200)
  @Access('fan', 'steward', 'staff', 'admin')
  @ApiOperation({
    summary:
      "Check a scanned tag: authentic, counterfeit, or likely clone (seen at another venue just now by its staff, flagged, or another fan's); says whether it is claimed and whether it is yours, the owner's address only to staff of the item's venue and admins",
  })
  verify(@Body() dto: VerifyMerchDto, @CurrentPrincipal() who: Principal) {
    return this.merch.verify(dto, who);
  }

  @Post('claims')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'Become the owner of a genuine item; a second claimant flags the serial' })
  claim(@Body() dto: MerchTagDto, @CurrentPrincipal() who: Principal) {
    return this.merch.claim(dto, who);
  }
}
