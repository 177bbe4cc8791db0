import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ADDRESS_HINT = { message: 'must be a 0x-prefixed 20-byte hex address' };

export class NewTicketDto {
  @ApiProperty() @Matches(ADDRESS, ADDRESS_HINT) holder: string;
  @ApiProperty({ example: 'N101' }) @IsString() @MinLength(1) @MaxLength(16) section: string;
  @ApiProperty({ example: '12-7' }) @IsString() @MinLength(1) @MaxLength(16) seat: string;
  @ApiProperty({ example: 'standard' }) @IsString() @MinLength(1) @MaxLength(32) tier: string;
}

export class IssueTicketsDto {
  @ApiProperty({ type: [NewTicketDto], maxItems: 10000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => NewTicketDto)
  tickets: NewTicketDto[];
}

export class TransferTicketDto {
  @ApiProperty() @Matches(ADDRESS, ADDRESS_HINT) to: string;
}

export class ScanDto {
  @ApiProperty({ description: 'The scanned QR content (FM1.…)' }) @IsString() @MaxLength(400) code: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Refuse tickets of any other event' }) @IsOptional() @IsUUID('4') eventId?: string;
}

export class ScanBatchDto {
  @ApiProperty({ type: [String], maxItems: 50 }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(400, { each: true }) codes: string[];
}

export class OfflineScanDto {
  @ApiProperty() @IsString() @MaxLength(400) code: string;
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }) scannedAt: string;
}

export class OfflineUploadDto {
  @ApiProperty({ type: [OfflineScanDto], maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => OfflineScanDto)
  scans: OfflineScanDto[];
}

export class GateIdParam {
  @IsUUID('4') gateId: string;
}
export class TicketIdParam {
  @IsUUID('4') ticketId: string;
}
export class AccessEventIdParam {
  @IsUUID('4') eventId: string;
}

export class OfflineReviewParams {
  @IsUUID('4') eventId: string;
  @IsUUID('4') reviewId: string;
}

export class OfflineReviewDecisionDto {
  @ApiProperty({
    enum: ['approve', 'reject'],
    description: 'approve: the fan came in (admitted now, at the time of the scan; its reward goes into a follow-up epoch staff review)',
  })
  @IsIn(['approve', 'reject'])
  decision: 'approve' | 'reject';
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class ThroughputQuery {
  @ApiPropertyOptional({ description: 'How far back, in minutes (per-second buckets: at most 60)', minimum: 1, maximum: 1440, default: 15 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes?: number;
  @ApiPropertyOptional({ enum: ['second', 'minute'], default: 'second' }) @IsOptional() @IsIn(['second', 'minute']) bucket?: 'second' | 'minute';
}

export class MerchIssuerDto {
  @ApiProperty() @Matches(ADDRESS, ADDRESS_HINT) address: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(120) name: string;
}

export class MerchTagDto {
  @ApiProperty({ example: 'JERSEY-HOME-26' }) @IsString() @MinLength(1) @MaxLength(64) sku: string;
  @ApiProperty({ example: 'SN-000123' }) @IsString() @MinLength(1) @MaxLength(64) serial: string;
  @ApiProperty({ description: "The issuer's EIP-712 signature over (sku, serial)" })
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be 0x followed by 130 hex characters' })
  signature: string;
}

export class RegisterMerchDto {
  @ApiProperty({ type: [MerchTagDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => MerchTagDto) items: MerchTagDto[];
}

export class VerifyMerchDto extends MerchTagDto {
  /** Accepted from older clients and ignored: where a tag was seen is the server's (the verifier's venue binding), never the caller's word. */
  @ApiPropertyOptional({ example: 'gate N-A', deprecated: true, description: "Ignored: the place is the verifier's venue, as the server knows it" })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  place?: string;
}
