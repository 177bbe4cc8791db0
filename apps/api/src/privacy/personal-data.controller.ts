import { Body, Controller, Get, Header, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Equals } from 'class-validator';
import type { Response } from 'express';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { PersonalDataErasureView, PersonalDataExportView, PersonalDataRegistry } from '@fanmesh/events';
import { RateLimit } from '@fanmesh/identity';

export class EraseMyDataDto {
  @ApiProperty({ description: 'Must be `true`: erasing cannot be undone (and signs out every session of the account)', enum: [true] })
  @Equals(true, { message: 'confirm must be true: erasing cannot be undone' })
  confirm: boolean;
}

/**
 * A fan's own data (GDPR access and erasure), composed here from every context's section (see
 * libs/directory personal-data.directory.ts and docs/privacy.md). Only the signed-in account's own
 * address: there is no route that reads or erases someone else's.
 */
@ApiTags('privacy')
@Controller('me/data')
export class PersonalDataController {
  constructor(private readonly registry: PersonalDataRegistry) {}

  // an export reads every context's tables for one address: a few a minute are plenty for a person
  @Get()
  @Access('fan')
  @RateLimit({ name: 'me.data', key: 'principal', limit: 6, windowMs: 60_000 })
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      'Download everything held about my address, as JSON: tickets with their contact, admissions, scan log, devices with heartbeats, rewards ledger, ballots, drops, witnesses, sessions',
  })
  async export(@CurrentPrincipal() who: Principal, @Res({ passthrough: true }) res: Response): Promise<PersonalDataExportView> {
    const view = await this.registry.export(who.subject);
    res.setHeader('content-disposition', `attachment; filename="fanmesh-data-${view.address}.json"`);
    return view;
  }

  @Post('erase')
  @HttpCode(200)
  @Access('fan')
  @RateLimit({ name: 'me.data.erase', key: 'principal', limit: 3, windowMs: 60_000 })
  @ApiOperation({
    summary:
      'Erase what is not needed for the ledger and the chain: contacts blanked, device heartbeats deleted, appeal texts blanked, every session signed out; ledger, tickets, ballots and witness rows keep only the address',
  })
  erase(@Body() _dto: EraseMyDataDto, @CurrentPrincipal() who: Principal): Promise<PersonalDataErasureView> {
    return this.registry.erase(who.subject);
  }
}
