import { Body, Controller, Get, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { AccessEventIdParam, TicketIdParam } from './dto/access.dto';
import { ClaimTokenDto, ImportTicketsDto } from './dto/ticket-import.dto';
import { ClaimLinksService } from './claim-links.service';
import { TicketImportService } from './ticket-import.service';

const requestOrigin = (req: Request) => `${req.protocol}://${req.get('host')}`;

@ApiTags('tickets')
@Controller()
export class TicketImportController {
  constructor(
    private readonly imports: TicketImportService,
    private readonly links: ClaimLinksService,
  ) {}

  @Post('events/:eventId/tickets/import')
  @HttpCode(200)
  @Access('staff', 'admin')
  @ApiOperation({
    summary:
      "Import a ticketing system's CSV: dryRun lists every bad row with its reasons and writes nothing; otherwise the good rows are issued (unbound, each with a claim link) in one transaction. Idempotent on order ref",
  })
  import(@Param() p: AccessEventIdParam, @Body() dto: ImportTicketsDto, @CurrentPrincipal() who: Principal) {
    return this.imports.import(p.eventId, Buffer.from(dto.file, 'base64'), { dryRun: dto.dryRun, linksExpireAt: dto.linksExpireAt }, who);
  }

  @Get('events/:eventId/claim-links')
  @Access('staff', 'admin')
  @ApiOperation({ summary: "The event's imported tickets with their claim links and whether each was claimed (no contacts)" })
  list(@Param() p: AccessEventIdParam, @CurrentPrincipal() who: Principal, @Req() req: Request) {
    return this.links.list(p.eventId, who, requestOrigin(req));
  }

  @Get('events/:eventId/claim-links/export')
  @Access('staff', 'admin')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="claim-links.csv"')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: "The venue's mailer file: order ref, contact, claim link URL (the only answer that carries buyers' contacts)" })
  export(@Param() p: AccessEventIdParam, @CurrentPrincipal() who: Principal, @Req() req: Request): Promise<string> {
    return this.links.exportCsv(p.eventId, who, requestOrigin(req));
  }

  @Post('claim-links/lookup')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: 'What a claim or transfer link is for, whether it can still be claimed, and who holds the ticket now' })
  lookup(@Body() dto: ClaimTokenDto, @CurrentPrincipal() who: Principal) {
    return this.links.lookup(dto.token, who);
  }

  @Post('claim-links/claim')
  @HttpCode(200)
  @Access('fan')
  @ApiOperation({ summary: "Bind the link's ticket to the caller's key, once: it is re-signed for the caller and every older code stops admitting" })
  claim(@Body() dto: ClaimTokenDto, @CurrentPrincipal() who: Principal) {
    return this.links.claim(dto.token, who);
  }

  @Post('tickets/:ticketId/transfer-links')
  @Access('fan')
  @ApiOperation({ summary: 'A one-time link (48 h) that hands this ticket to whoever claims it; a newer link replaces the last' })
  transferLink(@Param() p: TicketIdParam, @CurrentPrincipal() who: Principal, @Req() req: Request) {
    return this.links.transferLink(p.ticketId, who, requestOrigin(req));
  }
}
