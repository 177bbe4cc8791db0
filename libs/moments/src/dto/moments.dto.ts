import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { MOMENT_KINDS, MomentKind } from '../moment.types';

export class MomentIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') id: string;
}

export class EventIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') eventId: string;
}

export class VenueIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
}

export class SensorParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
  @ApiProperty({ description: "the sensor's device address", example: '0x5a1e0000000000000000000000000000000005e5' })
  @Matches(/^0x[0-9a-fA-F]{40}$/, { message: 'device must be a 0x-prefixed 20-byte hex address' })
  device: string;
}

export class ConfirmMomentDto {
  @ApiPropertyOptional({ enum: MOMENT_KINDS, description: 'what it was (default: the detector’s suggestion)' })
  @IsOptional()
  @IsIn(MOMENT_KINDS as unknown as string[])
  kind?: MomentKind;
  @ApiPropertyOptional({ enum: ['home', 'away'], description: 'for goals: who scored' })
  @IsOptional()
  @IsIn(['home', 'away'])
  team?: 'home' | 'away';
}

export class RejectMomentDto {
  @ApiProperty() @IsString() @MinLength(3) @MaxLength(300) reason: string;
}

export class FeedMomentDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') eventId: string;
  @ApiProperty({ description: "the feed's own id for this moment; a retry with the same ref changes nothing" })
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'ref must be 1-64 of A-Z a-z 0-9 _ . : -' })
  ref: string;
  @ApiProperty({ enum: MOMENT_KINDS }) @IsIn(MOMENT_KINDS as unknown as string[]) kind: MomentKind;
  @ApiPropertyOptional({ enum: ['home', 'away'] }) @IsOptional() @IsIn(['home', 'away']) team?: 'home' | 'away';
  @ApiProperty({ format: 'date-time', description: 'when it happened' }) @IsISO8601({ strict: true }) at: string;
}
