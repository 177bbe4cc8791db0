import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CLAIM_TOKEN, TICKET_CSV_MAX_BYTES } from '@fanmesh/protocol';

export class ImportTicketsDto {
  @ApiProperty({
    description:
      'The CSV file exactly as exported, base64-encoded (its bytes, so its encoding can be checked). Header: order ref, section, seat, tier and an email or phone column; other columns are ignored',
  })
  @IsString()
  // Room for a file over the limit, so the answer names the file size (csv_too_large), not the body's.
  @MaxLength(Math.ceil((TICKET_CSV_MAX_BYTES * 4) / 3) * 1.4)
  @Matches(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'file must be base64 (standard alphabet)' })
  file: string;

  @ApiProperty({ description: 'true: only report every bad row and what importing would do; false: write the good rows (in one transaction)' })
  @IsBoolean()
  dryRun: boolean;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the claim links expire (default: 6 h after kick-off, and at least a day from now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  linksExpireAt?: string;
}

export class ClaimTokenDto {
  @ApiProperty({ description: 'The token from the link (/claim/<token>)' })
  @IsString()
  @Matches(CLAIM_TOKEN, { message: 'token must be the 43 characters after /claim/ in the link' })
  token: string;
}
