import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export const ELIGIBILITIES = ['holders', 'checked_in', 'both'] as const;
export const WEIGHTINGS = ['one_per_fan', 'token_balance'] as const;

export class CreatePollDto {
  @ApiProperty({ format: 'uuid', description: 'the club (venue) running the poll' }) @IsUUID('4') venueId: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'the match it belongs to; results go live on event:<id>. Omit for a club-wide poll.' })
  @IsOptional()
  @IsUUID('4')
  eventId?: string;
  @ApiProperty({ example: 'Player of the match?' })
  @IsString()
  @MinLength(3)
  @MaxLength(280)
  @Matches(/\S.*\S/s, { message: 'question must have some text, not only spaces' })
  question: string;
  @ApiProperty({ type: [String], example: ['Keeper', 'Striker'] })
  @ArrayMinSize(2)
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(80, { each: true })
  @Matches(/\S/, { each: true, message: 'each option must have some text, not only spaces' })
  options: string[];
  @ApiPropertyOptional({ format: 'date-time', description: 'default: now; the token snapshot is taken when the poll opens' })
  @IsOptional()
  @IsISO8601({ strict: true })
  opensAt?: string;
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }) closesAt: string;
  @ApiProperty({ enum: ELIGIBILITIES, description: 'who may vote: FanToken holders at the snapshot, fans checked in to the event, or both' })
  @IsIn(ELIGIBILITIES)
  eligibility: (typeof ELIGIBILITIES)[number];
  @ApiProperty({ enum: WEIGHTINGS, description: 'one fan one vote, or by FanToken balance at the snapshot block' })
  @IsIn(WEIGHTINGS)
  weighting: (typeof WEIGHTINGS)[number];
}

export class BallotDto {
  @ApiProperty({ description: "the signed Ballot's pollId: the poll's `key` (bytes32)" })
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'pollId must be 32 bytes of 0x-hex (the poll key)' })
  pollId: string;
  @ApiProperty({ description: 'index into the options' }) @IsInt() @Min(0) @Max(255) option: number;
  @ApiProperty({ description: 'unix seconds when the fan signed; a later ballot replaces an earlier one' }) @IsInt() @Min(0) @Max(2 ** 40) issuedAt: number;
  @ApiProperty({ description: "the fan's EIP-712 signature over Ballot(pollId, option, issuedAt) in the poll's domain" })
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'must be a 65-byte signature: 0x followed by 130 hex characters' })
  signature: string;
}

export class PollIdParam {
  @IsUUID('4', { message: 'id must be a poll id (UUID)' }) id: string;
}

export class EventIdParam {
  @IsUUID('4', { message: 'eventId must be a UUID' }) eventId: string;
}

export class VenueIdParam {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
}
