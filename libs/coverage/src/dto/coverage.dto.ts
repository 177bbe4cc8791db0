import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { WITNESS_VERDICTS, WitnessVerdict } from '../coverage.error';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SIG = /^0x[0-9a-fA-F]{130}$/;
const SIG_HINT = { message: 'must be a 65-byte signature: 0x followed by 130 hex characters' };

export class SubmitWitnessDto {
  @ApiProperty({ format: 'uuid', description: 'The challenge id the hotspot handed to the phone' }) @IsUUID() challengeId: string;
  @ApiProperty({ format: 'uuid', description: 'The event the phone is at (signed into the witness)' }) @IsUUID('4') eventId: string;
  @ApiProperty({ description: "The hotspot's signature over challengeDigest (raw secp256k1, as device envelopes)" }) @Matches(SIG, SIG_HINT) hotspotSignature: string;
  @ApiProperty({ description: "The fan's EIP-191 signature over the 32 bytes of witnessDigest" }) @Matches(SIG, SIG_HINT) fanSignature: string;
  @ApiProperty({ format: 'date-time', description: 'When the phone signed (signed into the witness)' }) @IsISO8601({ strict: true }) signedAt: string;
}

export class CoveragePolicyDto {
  @ApiProperty({ description: 'Length of the sliding interval the limits apply to, seconds', minimum: 10, maximum: 86400 }) @IsInt() @Min(10) @Max(86_400) intervalS: number;
  @ApiProperty({ description: 'K: valid witnesses one fan may give per interval', minimum: 1, maximum: 100 }) @IsInt() @Min(1) @Max(100) fanWitnessesPerInterval: number;
  @ApiProperty({ description: 'N: valid witnesses one hotspot may receive per interval', minimum: 1, maximum: 10000 }) @IsInt() @Min(1) @Max(10_000) hotspotWitnessesPerInterval: number;
  @ApiProperty({ description: 'How long a challenge can be answered, seconds', minimum: 1, maximum: 600 }) @IsInt() @Min(1) @Max(600) challengeTtlS: number;
}

export class CoverageEventParam {
  @IsUUID('4') eventId: string;
}

export class HotspotAddressParam {
  @Matches(ADDRESS, { message: 'address must be a 0x address' }) address: string;
}

export class ReportQuery {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') eventId: string;
}

export class VerdictsQuery {
  @ApiPropertyOptional({ description: 'Only this hotspot' }) @IsOptional() @Matches(ADDRESS, { message: 'hotspot must be a 0x address' }) hotspot?: string;
  @ApiPropertyOptional({ enum: WITNESS_VERDICTS }) @IsOptional() @IsIn(WITNESS_VERDICTS) verdict?: WitnessVerdict;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
