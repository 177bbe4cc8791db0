import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal, requireVenueRole } from '@fanmesh/common';
import { DataSource } from 'typeorm';
import { AccessEventIdParam, GateIdParam, IssueTicketsDto, MerchIssuerDto, MerchTagDto, OfflineUploadDto, RegisterMerchDto, ScanBatchDto, ScanDto, TicketIdParam, TransferTicketDto, VerifyMerchDto } from './dto/access.dto';
import { MerchService } from './merch.service';
import { AccessError } from './access.error';
import { AdmissionRepository } from './admission.repository';
import { GateScanService } from './gate-scan.service';
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
    private readonly admissions: AdmissionRepository,
    private readonly ds: DataSource,
  ) {}

  @Post('gates/:gateId/scans')
  @HttpCode(200)
  @Access('steward', 'staff', 'device', 'admin')
  @ApiOperation({ summary: 'Verify a scanned ticket code and admit it at most once; the answer is admit, or deny with a reason' })
  async scan(@Param() p: GateIdParam, @Body() dto: ScanDto, @CurrentPrincipal() who: Principal) {
    const gate = await this.scans.authorize(p.gateId, who);
    return this.scans.scan(gate, dto.code, who, dto.eventId);
  }

  @Post('gates/:gateId/scans/batch')
  @HttpCode(200)
  @Access('steward', 'staff', 'device', 'admin')
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
  @ApiOperation({ summary: 'Upload decisions made offline; double admissions come back as conflicts and raise an alert' })
  async uploadOffline(@Param() p: GateIdParam, @Body() dto: OfflineUploadDto, @CurrentPrincipal() who: Principal) {
    const gate = await this.scans.authorize(p.gateId, who);
    return { results: await this.offline.upload(gate, dto.scans, who) };
  }

  @Get('events/:eventId/admissions')
  @Access('staff', 'admin')
  @ApiOperation({ summary: 'Admissions so far by section and gate, and offline conflicts' })
  async attendance(@Param() p: AccessEventIdParam, @CurrentPrincipal() who: Principal) {
    const [event] = await this.ds.query(`SELECT venue_id AS "venueId" FROM events WHERE id = $1`, [p.eventId]);
    if (!event) throw new AccessError('ticket_not_found', `No event ${p.eventId}.`);
    requireVenueRole(who, ['staff'], event.venueId);
    const [stats, conflicts] = await Promise.all([this.admissions.stats(p.eventId), this.offline.conflicts(p.eventId)]);
    return { ...stats, conflicts };
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
  @ApiOperation({ summary: 'Check a scanned tag: authentic, counterfeit, or likely clone (seen elsewhere just now, or flagged)' })
  verify(@Body() dto: VerifyMerchDto, @CurrentPrincipal() who: Principal) {
    return this.merch.verify(dto, dto.place, who);
  }

  @Post('claims')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'Become the owner of a genuine item; a second claimant flags the serial' })
  claim(@Body() dto: MerchTagDto, @CurrentPrincipal() who: Principal) {
    return this.merch.claim(dto, who);
  }
}
